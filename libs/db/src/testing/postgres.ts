import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { maskPassword } from '../database';
import { POSTGRES_APPLICATION_NAME } from '../postgres-connection';

/** The environment variable naming the PostgreSQL server tests create their databases on. */
export const TEST_POSTGRES_URL_ENV = 'GLANCE_TEST_POSTGRES_URL';

/** What tools/ci/postgres.sh sets up and prints; used when the variable is not set. */
export const DEFAULT_TEST_POSTGRES_URL = 'postgresql://glance_test:glance_test@127.0.0.1:5432/postgres';

const HOW_TO_GET_IT = `run tools/ci/postgres.sh (as root) once, or export ${TEST_POSTGRES_URL_ENV} with the URL of a server whose role has CREATEDB`;

export interface TestPostgresDatabaseOptions {
  /** Collate the database's text by this ICU locale (`en-US`) instead of the server's default. */
  icuLocale?: string;
}

/** A database of its own for one test file. */
export interface TestPostgresDatabase {
  /** Connection URL of the new database (the server's URL with the database name replaced). */
  url: string;
  name: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates a randomly named database on the server `$GLANCE_TEST_POSTGRES_URL` names (its role
 * needs CREATEDB), by default the one tools/ci/postgres.sh sets up. Tests that need PostgreSQL call
 * this in `beforeAll` and `drop()` in `afterAll`: without a server they fail, with one line saying
 * how to get one, rather than skip.
 */
export async function createTestPostgresDatabase(
  env: NodeJS.ProcessEnv = process.env,
  options: TestPostgresDatabaseOptions = {},
): Promise<TestPostgresDatabase> {
  const serverUrl = env[TEST_POSTGRES_URL_ENV] || DEFAULT_TEST_POSTGRES_URL;
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new Error(`${TEST_POSTGRES_URL_ENV} is not a URL (${maskPassword(serverUrl)}): ${HOW_TO_GET_IT}`);
  }
  // Letters, digits and underscores only: safe to write into SQL unquoted.
  const name = `glance_test_${randomBytes(8).toString('hex')}`;
  // An ICU locale needs PostgreSQL 15+ built with ICU (Debian's is); libc collation stays "C".
  const locale =
    options.icuLocale === undefined
      ? ''
      : ` LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale.replace(/'/g, "''")}' LOCALE 'C' TEMPLATE template0`;
  await onServer(serverUrl, `CREATE DATABASE ${name}${locale}`);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(statement);
  } catch (error) {
    // Duck-typed: a socket error comes from Node's realm, not the test's (instanceof Error fails).
    const message = (error as { message?: unknown } | null)?.message;
    const cause = typeof message === 'string' && message !== '' ? message : String(error);
    throw new Error(
      `${statement.split(' ').slice(0, 2).join(' ')} on ${maskPassword(serverUrl)} failed: ${cause.replace(/\s+/g, ' ')} (${HOW_TO_GET_IT})`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The connections glance-ts has open to the database `url` names (its pools announce themselves
 * as application_name glance-ts), counted from a connection of the test's own.
 */
export async function glanceTsConnections(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(
      `select count(*) from pg_stat_activity where datname = current_database() and application_name = $1`,
      [POSTGRES_APPLICATION_NAME],
    );
    return Number(result.rows[0].count);
  } finally {
    await client.end();
  }
}

export interface ExplainGenericPlanOptions {
  /** EXPLAIN ANALYZE (runs the statement) instead of EXPLAIN. */
  analyze?: boolean;
  /** Settings for the explain only (SET LOCAL), such as `{ enable_seqscan: 'off' }`. */
  settings?: Record<string, string>;
}

/**
 * The plan PostgreSQL runs for `sql` (with `$n` placeholders) when glance-ts marks it
 * GENERIC_PLAN_HINT: prepared and executed with `parameters` under `plan_cache_mode =
 * force_generic_plan`, so its conditions show parameters, not the values of this run. One line per
 * plan node, as psql prints it. The session is left as it was (the transaction rolled back, the
 * statement deallocated).
 */
export async function explainGenericPlan(
  client: Client,
  sql: string,
  parameters: readonly unknown[],
  { analyze = false, settings = {} }: ExplainGenericPlanOptions = {},
): Promise<string> {
  const literal = (value: unknown): string => {
    if (value === null) return 'null';
    if (value instanceof Date) return client.escapeLiteral(value.toISOString());
    if (typeof value === 'string') return client.escapeLiteral(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`explainGenericPlan: no SQL literal for a ${typeof value} parameter`);
  };
  const name = 'glance_ts_explained';
  await client.query('begin');
  let prepared = false;
  try {
    for (const [setting, value] of Object.entries({ ...settings, plan_cache_mode: 'force_generic_plan' }))
      await client.query('select set_config($1, $2, true)', [setting, value]);
    await client.query(`prepare ${name} as ${sql}`);
    prepared = true;
    const result = await client.query<{ 'QUERY PLAN': string }>(
      `explain ${analyze ? 'analyze ' : ''}execute ${name}(${parameters.map(literal).join(', ')})`,
    );
    return result.rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.query('rollback');
    // A prepared statement belongs to the session, not to the transaction.
    if (prepared) await client.query(`deallocate ${name}`);
  }
}
