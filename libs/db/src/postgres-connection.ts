import { PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';

/** Connections per API process unless told (oslo.db's `max_pool_size` default). */
export const DEFAULT_POSTGRES_POOL_SIZE = 5;
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
export function createPostgresPool(
  url: string,
  onConnectionError: (error: Error) => void,
  size: number = DEFAULT_POSTGRES_POOL_SIZE,
): Pool {
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser;
  const pool = new Pool({
    connectionString: url,
    max: size,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'glance-ts',
    types: { getTypeParser },
  });
  // A connection the server drops (a restart, an idle timeout) emits 'error' on its client. The pool
  // listens only while the client is idle (and re-emits on itself, which must then be listened to);
  // a client in use has no listener, and a PostgreSQL restart under load would kill the process.
  // Each client's own listener reports it, in use or idle; the query on it fails
  // (DatabaseUnavailableError, a 503), and the broken client, no longer queryable, is dropped
  // from the pool when released.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  pool.on('error', () => undefined);
  return pool;
}

export function postgresDialect(pool: Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}
