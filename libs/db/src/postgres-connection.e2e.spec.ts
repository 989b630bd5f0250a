import type { Pool, PoolClient } from 'pg';
import { createPostgresPool, GENERIC_PLAN_HINT } from './postgres-connection';
import { createTestPostgresDatabase, type TestPostgresDatabase } from './testing/postgres';

/**
 * The connection wrapper against a real server: statements marked GENERIC_PLAN_HINT run with a
 * plan made once, every other statement in the server's default mode, and a transaction never
 * holds a mode switch that its rollback would undo.
 */
describe('PostgreSQL connections: plan modes', () => {
  let server: TestPostgresDatabase | undefined;
  let pool: Pool | undefined;
  let client: PoolClient | undefined;
  beforeAll(async () => {
    server = await createTestPostgresDatabase();
    pool = createPostgresPool(server.url, () => undefined, 1);
    client = await pool.connect();
    await client.query('create table t (k int primary key, v text)');
    await client.query("insert into t select g, 'v' || g from generate_series(1, 1000) g");
  });
  afterAll(async () => {
    client?.release();
    await pool?.end();
    await server?.drop();
  });

  /** The session's plan_cache_mode as a statement, marked or not, sees it (run with a parameter, so prepared). */
  const modeSeenBy = async (marked: boolean): Promise<string> => {
    const text = `select ${marked ? `${GENERIC_PLAN_HINT} ` : ''}current_setting('plan_cache_mode') as mode, $1::int as n`;
    const result = await client!.query<{ mode: string }>(text, [1]);
    return result.rows[0].mode;
  };

  /** The plans PostgreSQL made for the prepared statement with this text on the session. */
  const plansOf = async (text: string) => {
    const result = await client!.query<{ generic_plans: string; custom_plans: string }>(
      'select generic_plans, custom_plans from pg_prepared_statements where statement = $1',
      [text],
    );
    expect(result.rows).toHaveLength(1);
    return { generic: Number(result.rows[0].generic_plans), custom: Number(result.rows[0].custom_plans) };
  };

  it('switches to generic plans for a marked statement and back for any other', async () => {
    expect(await modeSeenBy(false)).toBe('auto');
    expect(await modeSeenBy(true)).toBe('force_generic_plan');
    expect(await modeSeenBy(true)).toBe('force_generic_plan');
    expect(await modeSeenBy(false)).toBe('auto');
    // Unprepared statements (no parameters) switch too.
    await modeSeenBy(true);
    expect(
      (await client!.query<{ mode: string }>("select current_setting('plan_cache_mode') as mode")).rows[0]
        .mode,
    ).toBe('auto');
  });

  it('plans a marked statement once, where the server plans the same unmarked statement per run at first', async () => {
    const unmarked = 'select v from t where k = $1';
    const marked = `select ${GENERIC_PLAN_HINT} v from t where k = $1`;
    for (let run = 1; run <= 6; run++) {
      expect((await client!.query<{ v: string }>(marked, [run])).rows).toEqual([{ v: `v${run}` }]);
      expect((await client!.query<{ v: string }>(unmarked, [run])).rows).toEqual([{ v: `v${run}` }]);
    }
    expect(await plansOf(marked)).toEqual({ generic: 6, custom: 0 });
    // PostgreSQL's own choice: custom plans for the first five runs.
    expect((await plansOf(unmarked)).custom).toBeGreaterThanOrEqual(5);
  });

  it('runs transactions in the default mode and switches only outside them', async () => {
    await modeSeenBy(true);
    await client!.query('begin');
    // Inside the transaction a marked statement runs in the default mode: a SET here would be undone by a rollback.
    expect(await modeSeenBy(true)).toBe('auto');
    await client!.query('rollback');
    expect(await modeSeenBy(true)).toBe('force_generic_plan');
    await client!.query('start transaction isolation level repeatable read');
    expect(await modeSeenBy(false)).toBe('auto');
    await client!.query('commit');
    expect(await modeSeenBy(true)).toBe('force_generic_plan');
    expect(await modeSeenBy(false)).toBe('auto');
  });
});
