import { PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';

/** Connections per API process. */
export const POSTGRES_POOL_SIZE = 10;
/** How long to wait for a connection (a server that does not answer fails the open, not hangs it). */
const CONNECT_TIMEOUT_MS = 10_000;

const INT8_OID = 20;

/** int8 (bigint) as a JavaScript number: sizes are far below 2^53 (8 PiB). */
const parseInt8 = (value: string): number => Number(value);

/**
 * A pool whose int8 columns come back as numbers. node-postgres returns them as strings by
 * default; the parser is set on this pool only, not through the process-wide `pg.types`, so other
 * users of `pg` in the process are not affected.
 */
export function createPostgresPool(url: string, onIdleError: (error: Error) => void): Pool {
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser;
  const pool = new Pool({
    connectionString: url,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'glance-ts',
    types: { getTypeParser },
  });
  // An idle connection the server drops (restart, idle timeout) is reported here; without a
  // listener the pool's 'error' event would crash the process. The pool replaces the connection.
  pool.on('error', onIdleError);
  return pool;
}

export function postgresDialect(pool: Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}
