import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { SQLITE_STATEMENT_CACHE_SIZE, sqliteConnectionOn } from './sqlite-connection';

describe('the SQLite handle Kysely uses', () => {
  let dir: string;
  let raw: Database.Database;
  let db: Kysely<Record<string, Record<string, unknown>>>;
  let release: () => void;
  let prepared: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'glance-sqlite-cache-'));
    const path = join(dir, 'test.sqlite');
    raw = new Database(path);
    prepared = [];
    const prepare = raw.prepare.bind(raw);
    raw.prepare = ((source: string) => {
      prepared.push(source);
      return prepare(source);
    }) as typeof raw.prepare;
    const connection = sqliteConnectionOn(raw, path);
    release = connection.release;
    db = new Kysely({ dialect: connection.dialect });
  });

  afterEach(async () => {
    await db.destroy();
    release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prepares each SQL text once and reuses it with new parameters', async () => {
    await sql`create table t (n integer)`.execute(db);
    await db.insertInto('t').values({ n: 1 }).execute();
    await db.insertInto('t').values({ n: 2 }).execute();
    const first = await db.selectFrom('t').select('n').where('n', '=', 1).execute();
    const second = await db.selectFrom('t').select('n').where('n', '=', 2).execute();
    expect([first, second]).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    expect(prepared.filter((source) => source.startsWith('insert'))).toHaveLength(1);
    expect(prepared.filter((source) => source.startsWith('select'))).toHaveLength(1);
  });

  it('keeps at most SQLITE_STATEMENT_CACHE_SIZE statements, dropping the least recently used', async () => {
    const query = (n: number) => sql.raw(`select ${n} as n`).execute(db);
    await query(0);
    for (let n = 1; n <= SQLITE_STATEMENT_CACHE_SIZE; n++) {
      await query(n);
      await query(1); // kept recently used throughout
    }
    prepared.length = 0;
    await query(1);
    await query(0);
    expect(prepared).toEqual(['select 0 as n']);
  });

  it('sees a schema change in a statement prepared before it', async () => {
    await sql`create table t (n integer)`.execute(db);
    await db.insertInto('t').values({ n: 1 }).execute();
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ n: 1 }]);
    await sql`alter table t add column m text default 'x'`.execute(db);
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ n: 1, m: 'x' }]);
  });
});
