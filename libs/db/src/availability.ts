import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/**
 * The image database cannot serve the request now: the server is down or restarting, the
 * connection broke, SQLite stayed locked by another process, the file is read-only or the disk
 * full. Not the request's fault, and likely to pass: the API answers 503 with a retry hint.
 */
export class DatabaseUnavailableError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`The image database is unavailable: ${reason}`, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** node-postgres and socket errors that mean "no usable connection", not a bad statement. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown (a restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction (a standby)
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_PROTOCOL',
]);

const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /Client was closed and is not queryable/i,
  /connection is closed/i,
  /The database connection is not open/i,
];

/** Whether a driver error means the database is out of reach rather than the query being wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const { code, message, errors } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (UNAVAILABLE_CODES.has(code)) return true;
    // SQLITE_READONLY_DBMOVED, SQLITE_IOERR_WRITE...: the extended codes of the same conditions.
    if (/^SQLITE_(READONLY|IOERR|CANTOPEN|BUSY|LOCKED)_/.test(code) || code.startsWith('SQLITE_IOERR'))
      return true;
    // SQLSTATE class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnavailable)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** The error as the repositories let it out: DatabaseUnavailableError when the database is out of reach. */
export function classifyDatabaseError(error: unknown, describe: (error: unknown) => string): unknown {
  if (error instanceof DatabaseUnavailableError || !isDatabaseUnavailable(error)) return error;
  return new DatabaseUnavailableError(describe(error), { cause: error });
}

/**
 * A dialect whose every database call reports an unreachable database as DatabaseUnavailableError,
 * so callers need one check whatever the engine and whichever call failed. It also makes a failed
 * BEGIN end cleanly: Kysely rolls back after any failure in a transaction, and a ROLLBACK with no
 * transaction ("cannot rollback - no transaction is active") would replace the real cause.
 */
export function classifyingDialect(dialect: Dialect, describe: (error: unknown) => string): Dialect {
  return {
    createDriver: () => new ClassifyingDriver(dialect.createDriver(), describe),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
    createIntrospector: (db: Kysely<any>): DatabaseIntrospector => dialect.createIntrospector(db),
  };
}

class ClassifyingConnection implements DatabaseConnection {
  /** A BEGIN succeeded and no COMMIT or ROLLBACK has ended it yet. */
  inTransaction = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly classify: (error: unknown) => unknown,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw this.classify(error);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw this.classify(error);
    }
  }
}

class ClassifyingDriver implements Driver {
  private readonly classify: (error: unknown) => unknown;

  constructor(
    private readonly inner: Driver,
    describe: (error: unknown) => string,
  ) {
    this.classify = (error) => classifyDatabaseError(error, describe);
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.classify(error);
    }
  }

  init(): Promise<void> {
    return this.run(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.run(() => this.inner.acquireConnection());
    return new ClassifyingConnection(connection, this.classify);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const wrapped = connection as ClassifyingConnection;
    await this.run(() => this.inner.beginTransaction(wrapped.inner, settings));
    wrapped.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapped = connection as ClassifyingConnection;
    await this.run(() => this.inner.commitTransaction(wrapped.inner));
    wrapped.inTransaction = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapped = connection as ClassifyingConnection;
    if (!wrapped.inTransaction) return;
    wrapped.inTransaction = false;
    await this.run(() => this.inner.rollbackTransaction(wrapped.inner));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.run(() => this.inner.releaseConnection((connection as ClassifyingConnection).inner));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
