import { isAbsolute } from 'node:path';
import { Kysely, type LogConfig, Migrator, sql } from 'kysely';
import { classifyingDialect } from './availability';
import { DatabaseError } from './errors';
import { type HashJobRepository, KyselyHashJobRepository } from './hash-job-repository';
import type { ImageRepository } from './image-repository';
import { type ImageMemberRepository, KyselyImageMemberRepository } from './member-repository';
import { KyselyImageRepository } from './kysely-image-repository';
import { imageMigrationProvider } from './migrations';
import { createPostgresPool, postgresDialect } from './postgres-connection';
import type { ImageSchema } from './schema';
import type { DatabaseDialect } from './sql-dialect';
import { openSqlite } from './sqlite-connection';

/**
 * Where the image metadata lives: an absolute SQLite file path, or a PostgreSQL connection URL
 * (`postgresql://user:password@host:port/database`, libpq parameters such as `?sslmode=require`
 * allowed). The same shape as libs/config's `DatabaseConfig` (read from `[database] connection`),
 * so a loaded configuration can be passed as is.
 */
export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgresql'; url: string };

export interface DatabaseLogger {
  info(message: string): void;
  /** Problems that do not stop the service (an idle PostgreSQL connection dropped); default: info. */
  warn?(message: string): void;
}

export interface OpenImageDatabaseOptions {
  logger?: DatabaseLogger;
  /** Sees every statement run, with its parameters (diagnostics and benchmarks: query plans). */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void;
  /** The time given to createdAt / updatedAt; tests pin it. Default: the system clock. */
  clock?: () => Date;
  /**
   * PostgreSQL: connections this handle keeps at most (default DEFAULT_POSTGRES_POOL_SIZE). Each is
   * a server process; more of them than the database's cores only queue there, and when those
   * cores are the API's too, they add to every request's latency tail.
   */
  poolSize?: number;
}

export interface ImageDatabase {
  readonly images: ImageRepository;
  readonly hashJobs: HashJobRepository;
  readonly members: ImageMemberRepository;
  readonly dialect: DatabaseDialect;
  /** The connection for messages: `sqlite:////abs/file.db` or the URL with its password masked. */
  readonly description: string;
  /** Closes the connection(s); the database is unusable afterwards. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens the image database and brings its schema up to date (creating the SQLite file and its
 * directory when missing). Several processes may open the same database at once: migrations are
 * serialized (a PostgreSQL advisory lock; SQLite's write lock) and each is applied exactly once.
 *
 * Throws DatabaseError, one line naming the connection (never its password) and the cause.
 */
export async function openImageDatabase(
  target: DatabaseTarget,
  options: OpenImageDatabaseOptions = {},
): Promise<ImageDatabase> {
  const description = describeDatabaseTarget(target);
  const describeCause = causeDescriber(target);
  const connection = connect(target, options, description, describeCause);
  const db = connection.db;
  try {
    if (target.dialect === 'postgresql') {
      // Reach the server first, so that an unreachable server or a refused login is reported as
      // such rather than as a failed migration.
      await sql`select 1`.execute(db);
    }
  } catch (error) {
    await connection.close();
    throw new DatabaseError(`cannot open the image database ${description}: ${describeCause(error)}`, {
      cause: error,
    });
  }

  const migrator = new Migrator({ db, provider: imageMigrationProvider(target.dialect) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await connection.close();
    const failed = results.find((result) => result.status === 'Error');
    const which = failed ? ` (migration ${failed.migrationName})` : '';
    throw new DatabaseError(
      `cannot migrate the image database ${description}${which}: ${describeCause(error)}`,
      { cause: error },
    );
  }
  const applied = results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
  options.logger?.info(
    applied.length > 0
      ? `image database ${description}: applied migrations ${applied.join(', ')}`
      : `image database ${description}: schema up to date`,
  );

  return {
    images: new KyselyImageRepository(db, target.dialect, { clock: options.clock }),
    hashJobs: new KyselyHashJobRepository(db, options.clock),
    members: new KyselyImageMemberRepository(db, target.dialect, options.clock),
    dialect: target.dialect,
    description,
    close: connection.close,
  };
}

interface OpenConnection {
  db: Kysely<ImageSchema>;
  close(): Promise<void>;
}

function connect(
  target: DatabaseTarget,
  { logger, onQuery, poolSize }: OpenImageDatabaseOptions,
  description: string,
  describeCause: (error: unknown) => string,
): OpenConnection {
  const log: LogConfig | undefined = onQuery
    ? (event) => {
        if (event.level === 'query') onQuery(event.query.sql, event.query.parameters);
      }
    : undefined;
  let db: Kysely<ImageSchema>;
  let afterClose = () => {};
  try {
    if (target.dialect === 'sqlite') {
      if (!isAbsolute(target.path)) throw new Error(`the SQLite path must be absolute, got ${target.path}`);
      const sqlite = openSqlite(target.path);
      db = new Kysely<ImageSchema>({ dialect: classifyingDialect(sqlite.dialect, describeCause), log });
      afterClose = sqlite.release;
    } else {
      const warn = (message: string) => (logger?.warn ?? logger?.info)?.call(logger, message);
      const pool = createPostgresPool(
        target.url,
        (error) => warn(`image database ${description}: connection lost: ${describeCause(error)}`),
        poolSize,
      );
      db = new Kysely<ImageSchema>({
        dialect: classifyingDialect(postgresDialect(pool), describeCause),
        log,
      });
    }
  } catch (error) {
    throw new DatabaseError(`cannot open the image database ${description}: ${describeCause(error)}`, {
      cause: error,
    });
  }
  let closing: Promise<void> | null = null;
  return {
    db,
    close: () => {
      closing ??= db.destroy().finally(afterClose);
      return closing;
    },
  };
}

/** The target as a URL in oslo.db's style, without the password: safe for logs and messages. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  return target.dialect === 'sqlite' ? `sqlite:///${target.path}` : maskPassword(target.url);
}

/** `postgresql://user:***@host/db`; a URL that does not parse is masked between `:` and `@`. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/^([^:/?#]+:\/\/[^:/?#@]*:)[^/?#]*@/, '$1***@');
  }
}

/**
 * Describes errors as one line, with the target's password masked should a driver quote it.
 */
function causeDescriber(target: DatabaseTarget): (error: unknown) => string {
  const secrets = target.dialect === 'postgresql' ? passwordsIn(target.url) : [];
  return (error) => {
    let text = describeError(error);
    for (const secret of secrets) text = text.split(secret).join('***');
    return text;
  };
}

/** The URL's password as written and decoded (empty list when it has none). */
function passwordsIn(url: string): string[] {
  try {
    const written = new URL(url).password;
    if (written === '') return [];
    let decoded = written;
    try {
      decoded = decodeURIComponent(written);
    } catch {
      // Not valid percent-encoding: only the written form can appear.
    }
    return [...new Set([written, decoded])];
  } catch {
    return [];
  }
}

/**
 * An error as one line. node-postgres reports a refused connection to a host with several
 * addresses (localhost: ::1 and 127.0.0.1) as an AggregateError with an empty message.
 */
function describeError(error: unknown): string {
  // Duck-typed rather than instanceof: errors may come from another realm (jest, vm).
  const { message, errors, code } = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    errors?: unknown;
    code?: unknown;
  };
  let text: string;
  if (message === '' && Array.isArray(errors) && errors.length > 0) {
    text = errors.map((inner) => describeError(inner)).join('; ');
  } else if (typeof message === 'string') {
    text = message !== '' ? message : String(code ?? 'unknown error');
  } else {
    text = String(error);
  }
  return text.replace(/\s*\r?\n\s*/g, ' ');
}
