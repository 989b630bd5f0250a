import { mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * How long a transaction waits for another process's write lock before failing with SQLITE_BUSY
 * (then DatabaseUnavailableError, a 503). Several API worker processes share the file; write
 * transactions are short. The wait happens between event-loop turns (see BLOCKING_BUSY_MS).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * better-sqlite3 is synchronous: SQLite's own busy timeout sleeps inside the call, blocking the
 * whole worker (a writer holding the lock for 10 s once stalled every request on the worker,
 * discovery included). SQLite waits at most this long itself; a BEGIN that is still refused is
 * retried on timers, so the event loop goes on in between.
 */
const BLOCKING_BUSY_MS = 2;

/** A SQLite database file as Kysely needs it; `release` must be called after Kysely is destroyed. */
export interface SqliteConnection {
  dialect: SqliteDialect;
  /** Lets go of this process's claim on the file (see FILE_LOCKS); the connection is closed by Kysely. */
  release(): void;
}

/**
 * Opens (creating it and its directory if needed) the file with the settings every connection to
 * it needs: WAL (readers and one writer at a time, across processes), enforced foreign keys (the
 * child tables' ON DELETE CASCADE) and a busy timeout.
 */
export function openSqlite(path: string): SqliteConnection {
  mkdirSync(dirname(path), { recursive: true });
  // Opening may wait for SQLite's lock the blocking way: the service is not serving yet.
  const database = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    // Persistent in the file; fails (returns the old mode) only where WAL cannot work, such as
    // network file systems, where several processes could not share the file safely anyway.
    const mode = database.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal')
      throw new Error(`cannot use the WAL journal mode (the file stays in ${String(mode)} mode)`);
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${BLOCKING_BUSY_MS}`);
  } catch (error) {
    database.close();
    throw error;
  }
  return sqliteConnectionOn(database, path);
}

/** The Kysely dialect of glance-ts over an open better-sqlite3 handle on `path`. */
export function sqliteConnectionOn(database: Database.Database, path: string): SqliteConnection {
  const lock = FILE_LOCKS.claim(realpathSync(path));
  return {
    dialect: new GlanceSqliteDialect({ database: new StatementCache(database) }, lock.mutex),
    release: lock.release,
  };
}

/**
 * How many prepared statements one handle keeps. The service's statements are a few dozen shapes
 * (an IN list's length makes a shape); listings reuse the same handful on every request.
 */
export const SQLITE_STATEMENT_CACHE_SIZE = 256;

/**
 * The handle as Kysely's SQLite driver sees it, preparing each SQL text once: Kysely prepares on
 * every query, and a listing's SQL took 0.1 ms per request just to compile again (profiled under
 * `npm run bench:members`). Least recently used statements go first. A statement is never in use
 * twice: better-sqlite3 refuses any query on a handle while one of its statements iterates.
 */
class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly database: Database.Database,
    private readonly capacity = SQLITE_STATEMENT_CACHE_SIZE,
  ) {}

  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      if (this.statements.size >= this.capacity)
        this.statements.delete(this.statements.keys().next().value as string);
    } else {
      this.statements.delete(sql);
    }
    // Map order is insertion order: the last inserted is the most recently used.
    this.statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.database.close();
  }
}

/** A FIFO async lock. */
class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves, once every earlier holder has released, to the function that releases it. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => released);
    return previous.then(() => release);
  }
}

/**
 * One lock per database file per process, shared by every handle this process opens on it.
 *
 * better-sqlite3 is synchronous: when a connection waits for a lock (busy_timeout), it blocks the
 * whole event loop. If the lock is held by another connection of the SAME process, in the middle of
 * an async Kysely transaction, that holder can never run to release it: the wait times out with
 * SQLITE_BUSY. So connections of one process to one file take turns here, in JavaScript, and only
 * other processes are left to SQLite's locking (where blocking is harmless). In production there
 * is one handle per process and this lock is never contended.
 */
const FILE_LOCKS = new (class {
  private readonly locks = new Map<string, { mutex: AsyncMutex; holders: number }>();

  claim(file: string): { mutex: AsyncMutex; release: () => void } {
    let entry = this.locks.get(file);
    if (!entry) {
      entry = { mutex: new AsyncMutex(), holders: 0 };
      this.locks.set(file, entry);
    }
    entry.holders++;
    const claimed = entry;
    let released = false;
    return {
      mutex: claimed.mutex,
      release: () => {
        if (released) return;
        released = true;
        if (--claimed.holders === 0) this.locks.delete(file);
      },
    };
  }
})();

class GlanceSqliteDialect extends SqliteDialect {
  constructor(
    private readonly driverConfig: SqliteDialectConfig,
    private readonly fileMutex: AsyncMutex,
  ) {
    super(driverConfig);
  }

  override createDriver(): Driver {
    return new GlanceSqliteDriver(this.driverConfig, this.fileMutex);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * SQLite's DDL is transactional, but Kysely's adapter says otherwise, which would make its Migrator
 * apply a migration statement by statement: a failure halfway would leave half a schema, and two
 * processes opening a new file at once would both run the same migration. Declared transactional,
 * each migration runs in one (BEGIN IMMEDIATE, below) transaction that also serializes migrators.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class GlanceSqliteDriver extends SqliteDriver {
  private releaseFileLock: (() => void) | null = null;

  constructor(
    config: SqliteDialectConfig,
    private readonly fileMutex: AsyncMutex,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.fileMutex.acquire();
    try {
      const connection = await super.acquireConnection();
      this.releaseFileLock = release;
      return connection;
    } catch (error) {
      release();
      throw error;
    }
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    const release = this.releaseFileLock;
    this.releaseFileLock = null;
    release?.();
  }

  /**
   * Transactions (the repositories' writes; reads are single statements) begin IMMEDIATE: they take
   * the write lock up front, waiting for it with the busy timeout. A DEFERRED transaction that reads
   * first and writes later fails at once with SQLITE_BUSY_SNAPSHOT when another process wrote in
   * between, without waiting.
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const begin = CompiledQuery.raw('begin immediate');
    const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      try {
        await connection.executeQuery(begin);
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_BUSY_RECOVERY';
}
