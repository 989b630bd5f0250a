import { PostgresDialect } from 'kysely';
import { Pool, type PoolClient, type QueryConfig, types } from 'pg';

/** Connections per API process unless told (oslo.db's `max_pool_size` default). */
export const DEFAULT_POSTGRES_POOL_SIZE = 5;
/** How glance-ts's connections show in pg_stat_activity. */
export const POSTGRES_APPLICATION_NAME = 'glance-ts';
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
    application_name: POSTGRES_APPLICATION_NAME,
    types: { getTypeParser },
  });
  // A connection the server drops (a restart, an idle timeout) emits 'error' on its client. The pool
  // listens only while the client is idle (and re-emits on itself, which must then be listened to);
  // a client in use has no listener, and a PostgreSQL restart under load would kill the process.
  // Each client's own listener reports it, in use or idle; the query on it fails
  // (DatabaseUnavailableError, a 503), and the broken client, no longer queryable, is dropped
  // from the pool when released.
  pool.on('connect', (client) => {
    client.on('error', onConnectionError);
    prepareRepeatedStatements(client);
  });
  pool.on('error', () => undefined);
  return pool;
}

export function postgresDialect(pool: Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}

/** Statements each connection keeps prepared; later new ones run unprepared. */
const PREPARED_STATEMENTS_PER_CONNECTION = 64;

/** SQLSTATE feature_not_supported: "cached plan must not change result type". */
const PG_CACHED_PLAN_CHANGED = '0A000';

/**
 * The comment that marks a SELECT whose best plan does not depend on its values (a read by primary
 * key, a listing that listPlanIsValueIndependent accepts: planOnce in the repository), written
 * right after `select`. Such a statement runs with
 * `plan_cache_mode = force_generic_plan`: PostgreSQL plans it once per connection and reuses the
 * plan. Left to itself it plans the default listing for every request (0.3 ms of the server's
 * 0.5), because its generic plan's estimate, made for an average project, is a little dearer than
 * the plans made for each one. Every other statement runs in the server's default mode.
 */
export const GENERIC_PLAN_HINT = '/* glance-ts: generic plan */';
const GENERIC_PLAN_PREFIX = `select ${GENERIC_PLAN_HINT}`;

/** The statements Kysely starts and ends transactions with (PostgresDriver). */
const TRANSACTION_START = /^(begin|start transaction)\b/;
const TRANSACTION_END = /^(commit|rollback)\b/;

/** SQLSTATE undefined_object: a server before PostgreSQL 12 has no plan_cache_mode. */
const PG_UNDEFINED_OBJECT = '42704';

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * Runs each statement with parameters (every query Kysely compiles) as a named, prepared statement
 * of its connection, so that PostgreSQL parses it once and, after a few runs, may reuse a generic
 * plan instead of planning it for every request (a listing page: 0.5 ms of the server's 0.7).
 *
 * A prepared `SELECT *` fails with "cached plan must not change result type" once its table gains a
 * column (a newer glance-ts migrating during a rolling upgrade); the statement is then prepared
 * again under a new name and run once more, so the caller sees nothing (inside a transaction the
 * error has already aborted it: that one request fails, the next succeeds).
 *
 * Statements marked with GENERIC_PLAN_HINT switch the connection to generic plans, the others
 * switch it back (one SET, only when the mode changes). The mode is only changed outside
 * transactions, and a transaction always starts in the default mode, so no SET is ever undone by a
 * rollback and the mode the connection is in is always the one recorded here.
 */
function prepareRepeatedStatements(client: PoolClient): void {
  const names = new Map<string, string>();
  let counter = 0;
  const newName = (text: string) => {
    const name = `glance_ts_${++counter}`;
    names.set(text, name);
    return name;
  };
  const query = client.query.bind(client) as Query;
  const prepared = (text: string, values: unknown[]): Promise<unknown> | null => {
    const name = names.get(text) ?? (names.size < PREPARED_STATEMENTS_PER_CONNECTION ? newName(text) : null);
    if (name === null) return null;
    const config: QueryConfig = { name, text, values };
    return query(config).catch((error: unknown) => {
      if ((error as { code?: unknown } | null)?.code !== PG_CACHED_PLAN_CHANGED) throw error;
      return query({ name: newName(text), text, values } satisfies QueryConfig);
    });
  };
  const planMode = planModeSwitch(query);
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    // Query objects and callback calls (none of Kysely's) pass through untouched.
    if (typeof text !== 'string' || typeof args[args.length - 1] === 'function') return query(...args);
    const run = () =>
      args.length === 2 && Array.isArray(values) && values.length > 0
        ? (prepared(text, values) ?? query(...args))
        : query(...args);
    return planMode(text, run);
  };
}

/**
 * The per-connection plan mode: runs `run` (the statement `text`) after switching the session to
 * generic plans for a statement marked GENERIC_PLAN_HINT, or back to the default for any other,
 * when the connection is not already in that mode. See prepareRepeatedStatements.
 */
function planModeSwitch(query: Query): (text: string, run: () => Promise<unknown>) => Promise<unknown> {
  let generic = false;
  let inTransaction = false;
  let supported = true;
  const set = async (toGeneric: boolean) => {
    try {
      await query(`set plan_cache_mode to ${toGeneric ? 'force_generic_plan' : 'default'}`);
      generic = toGeneric;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== PG_UNDEFINED_OBJECT) throw error;
      supported = false;
    }
  };
  return async (text, run) => {
    if (TRANSACTION_START.test(text)) {
      if (generic) await set(false);
      const result = await run();
      inTransaction = true;
      return result;
    }
    if (TRANSACTION_END.test(text)) {
      // A COMMIT or ROLLBACK that fails still ends the transaction (or the connection is dropped).
      inTransaction = false;
      return run();
    }
    const wantsGeneric = supported && !inTransaction && text.startsWith(GENERIC_PLAN_PREFIX);
    if (wantsGeneric !== generic && !inTransaction) await set(wantsGeneric);
    return run();
  };
}
