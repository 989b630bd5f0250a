import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Client, Pool, types } from 'pg';
import { describeDatabaseTarget, type ImageDatabase, maskPassword, openImageDatabase } from './database';
import { DatabaseError } from './errors';
import { imageMigrations } from './migrations';
import type { DatabaseDialect } from './sql-dialect';
import {
  createTestPostgresDatabase,
  glanceTsConnections,
  type TestPostgresDatabase,
} from './testing/postgres';

/** Every migration, in the order they apply. */
const ALL_MIGRATIONS = Object.keys(imageMigrations('sqlite'));

/** Opens, recording what the database logs. */
async function openLogged(target: Parameters<typeof openImageDatabase>[0]) {
  const messages: string[] = [];
  const database = await openImageDatabase(target, { logger: { info: (message) => messages.push(message) } });
  return { database, messages };
}

async function openError(target: Parameters<typeof openImageDatabase>[0]): Promise<DatabaseError> {
  const error = await openImageDatabase(target).then(
    async (database) => {
      await database.close();
      return new Error('expected the open to fail');
    },
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof DatabaseError)) throw error;
  expect(error.message).not.toContain('\n');
  return error;
}

/**
 * Applies the migrations up to and including `name` on `db`: a database as an older glance-ts left
 * it, for the tests of what a later migration does to existing rows.
 */
async function migrateUpTo(db: Kysely<unknown>, dialect: DatabaseDialect, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => imageMigrations(dialect) } });
  expect((await migrator.migrateTo(name)).error).toBeUndefined();
}

/**
 * Migration 0006's check: after it, p1's listing of the images 'older' and 'newer' (shared with p1
 * in the other order) is newest first.
 */
async function expectNewestSharedFirst(target: Parameters<typeof openImageDatabase>[0]): Promise<void> {
  const database = await openImageDatabase(target);
  try {
    const listed = await database.images.list({
      scope: { isAdmin: false, projectId: 'p1' },
      filters: {},
      sort: [],
      limit: 10,
    });
    expect(listed.map((record) => record.id)).toEqual(['newer', 'older']);
  } finally {
    await database.close();
  }
}

describe('openImageDatabase: SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'glance-ts-db-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const migrationsIn = (path: string): string[] => {
    const raw = new Database(path, { readonly: true });
    try {
      return (
        raw.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>
      ).map((row) => row.name);
    } finally {
      raw.close();
    }
  };

  it('creates the file and its directories, in WAL mode, and applies the migrations', async () => {
    const path = join(dir, 'data', 'nested', 'glance.sqlite');
    const { database, messages } = await openLogged({ dialect: 'sqlite', path });
    expect(database.dialect).toBe('sqlite');
    expect(database.description).toBe(`sqlite:///${path}`);
    expect(messages).toEqual([
      `image database sqlite:///${path}: applied migrations ${ALL_MIGRATIONS.join(', ')}`,
    ]);
    await database.close();
    await database.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    expect(migrationsIn(path)).toEqual(ALL_MIGRATIONS);
  });

  it('applies nothing on reopen and keeps the data', async () => {
    const path = join(dir, 'glance.sqlite');
    const first = await openLogged({ dialect: 'sqlite', path });
    await first.database.images.create({ id: 'kept', tags: ['t'] });
    await first.database.close();
    const second = await openLogged({ dialect: 'sqlite', path });
    expect(second.messages).toEqual([`image database sqlite:///${path}: schema up to date`]);
    expect(await second.database.images.get('kept')).toMatchObject({ id: 'kept', tags: ['t'] });
    await second.database.close();
    expect(migrationsIn(path)).toEqual(ALL_MIGRATIONS);
  });

  it('migrates a new file once when several handles open it at once', async () => {
    const path = join(dir, 'glance.sqlite');
    const opened = await Promise.all([1, 2, 3].map(() => openLogged({ dialect: 'sqlite', path })));
    const applied = opened
      .flatMap((handle) => handle.messages)
      .filter((message) => message.includes('applied'));
    expect(applied).toHaveLength(1);
    await opened[0].database.images.create({ id: 'shared' });
    expect(await opened[2].database.images.get('shared')).not.toBeNull();
    for (const handle of opened) await handle.database.close();
    expect(migrationsIn(path)).toEqual(ALL_MIGRATIONS);
  });

  it('keeps working while another handle on the file is closed', async () => {
    const path = join(dir, 'glance.sqlite');
    const first: ImageDatabase = await openImageDatabase({ dialect: 'sqlite', path });
    const second: ImageDatabase = await openImageDatabase({ dialect: 'sqlite', path });
    await first.close();
    await second.images.create({ id: 'after' });
    expect(await second.images.get('after')).not.toBeNull();
    await second.close();
  });

  it('reports a file it cannot create, naming it', async () => {
    writeFileSync(join(dir, 'not-a-directory'), '');
    const path = join(dir, 'not-a-directory', 'glance.sqlite');
    const error = await openError({ dialect: 'sqlite', path });
    expect(error.message).toMatch(
      new RegExp(
        `^cannot open the image database sqlite:///${path}: EEXIST: file already exists, mkdir '${dir}/not-a-directory'$`,
      ),
    );
  });

  it('refuses a relative path', async () => {
    const error = await openError({ dialect: 'sqlite', path: 'glance.sqlite' });
    expect(error.message).toBe(
      'cannot open the image database sqlite:///glance.sqlite: the SQLite path must be absolute, got glance.sqlite',
    );
  });

  it('reports a failed migration and leaves no part of it behind', async () => {
    const path = join(dir, 'glance.sqlite');
    const raw = new Database(path);
    raw.exec('create table image_locations (unrelated text)');
    raw.close();
    const error = await openError({ dialect: 'sqlite', path });
    expect(error.message).toBe(
      `cannot migrate the image database sqlite:///${path} (migration 0001_images): table "image_locations" already exists`,
    );
    const check = new Database(path, { readonly: true });
    const tables = check.prepare("select name from sqlite_master where type = 'table' order by name").all();
    check.close();
    // The images, image_properties and image_tags tables created before the failure were rolled back.
    expect(tables.map((row) => (row as { name: string }).name)).toEqual(
      expect.not.arrayContaining(['images', 'image_properties', 'image_tags']),
    );
  });

  it('gives the locations of an existing database their data keys (migration 0003)', async () => {
    const path = join(dir, 'glance.sqlite');
    const raw = new Database(path);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    await migrateUpTo(db, 'sqlite', '0002_hash_jobs');
    const now = '2024-01-01T00:00:00.000Z';
    raw
      .prepare(
        `insert into images (id, status, visibility, min_disk, min_ram, protected, os_hidden, created_at, updated_at)
         values ('i', 'active', 'shared', 0, 0, 0, 0, ?, ?)`,
      )
      .run(now, now);
    const insert = raw.prepare(
      "insert into image_locations (image_id, url, metadata, status, position) values ('i', ?, '{}', 'active', ?)",
    );
    insert.run('file:///srv/x/../y', 0);
    insert.run('https://example.org/z', 1);
    await db.destroy();

    (await openImageDatabase({ dialect: 'sqlite', path })).close();
    const check = new Database(path, { readonly: true });
    const keys = check.prepare('select url, data_key from image_locations order by position').all();
    check.close();
    expect(keys).toEqual([
      { url: 'file:///srv/x/../y', data_key: 'file:///srv/y' },
      { url: 'https://example.org/z', data_key: null },
    ]);
  });

  it("copies the image's created_at into its memberships for the listing's order (migration 0006)", async () => {
    const path = join(dir, 'glance.sqlite');
    const raw = new Database(path);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    await migrateUpTo(db, 'sqlite', '0005_image_members');
    const image = raw.prepare(
      `insert into images (id, status, visibility, min_disk, min_ram, protected, os_hidden, created_at, updated_at)
       values (?, 'active', 'shared', 0, 0, 0, 0, ?, ?)`,
    );
    // The older image is shared with p1 later: the memberships are in the other order.
    image.run('older', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
    image.run('newer', '2024-01-02T00:00:00.000Z', '2024-01-02T00:00:00.000Z');
    const member = raw.prepare(
      "insert into image_members (image_id, member, status, created_at, updated_at) values (?, 'p1', 'accepted', ?, ?)",
    );
    member.run('newer', '2024-02-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z');
    member.run('older', '2024-02-02T00:00:00.000Z', '2024-02-02T00:00:00.000Z');
    await db.destroy();

    await expectNewestSharedFirst({ dialect: 'sqlite', path });
    const check = new Database(path, { readonly: true });
    const copies = check
      .prepare('select image_id, image_created_at from image_members order by image_id')
      .all();
    check.close();
    expect(copies).toEqual([
      { image_id: 'newer', image_created_at: '2024-01-02T00:00:00.000Z' },
      { image_id: 'older', image_created_at: '2024-01-01T00:00:00.000Z' },
    ]);
  });

  it('refuses a database migrated by a newer glance-ts', async () => {
    const path = join(dir, 'glance.sqlite');
    (await openImageDatabase({ dialect: 'sqlite', path })).close();
    const raw = new Database(path);
    raw
      .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
      .run('0002_future', '2030-01-01');
    raw.close();
    const error = await openError({ dialect: 'sqlite', path });
    expect(error.message).toMatch(/^cannot migrate the image database .*0002_future/);
  });
});

describe('openImageDatabase: PostgreSQL', () => {
  let server: TestPostgresDatabase | undefined;
  beforeEach(async () => {
    server = await createTestPostgresDatabase();
  });
  afterEach(async () => {
    await server?.drop();
  });

  const migrationsIn = async (url: string): Promise<string[]> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query<{ name: string }>('select name from kysely_migration order by name');
      return result.rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  };

  it('applies the migrations once, and nothing on reopen', async () => {
    const url = server!.url;
    const first = await openLogged({ dialect: 'postgresql', url });
    expect(first.database.dialect).toBe('postgresql');
    expect(first.database.description).toBe(url.replace(':glance_test@', ':***@'));
    expect(first.messages).toEqual([
      `image database ${first.database.description}: applied migrations ${ALL_MIGRATIONS.join(', ')}`,
    ]);
    await first.database.images.create({ id: 'kept', size: 2 ** 45 });
    await first.database.close();

    const second = await openLogged({ dialect: 'postgresql', url });
    expect(second.messages).toEqual([`image database ${second.database.description}: schema up to date`]);
    expect(await second.database.images.get('kept')).toMatchObject({ size: 2 ** 45 });
    await second.database.close();
    expect(await migrationsIn(url)).toEqual(ALL_MIGRATIONS);
  });

  it('migrates a new database once when several handles open it at once', async () => {
    const url = server!.url;
    const opened = await Promise.all([1, 2, 3].map(() => openLogged({ dialect: 'postgresql', url })));
    expect(
      opened.flatMap((handle) => handle.messages).filter((message) => message.includes('applied')),
    ).toHaveLength(1);
    for (const handle of opened) await handle.database.close();
    expect(await migrationsIn(url)).toEqual(ALL_MIGRATIONS);
  });

  it("copies the image's created_at into its memberships for the listing's order (migration 0006)", async () => {
    const url = server!.url;
    const pool = new Pool({ connectionString: url });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    await migrateUpTo(db, 'postgresql', '0005_image_members');
    // The older image is shared with p1 later: the memberships are in the other order.
    await sql`insert into images (id, status, visibility, min_disk, min_ram, protected, os_hidden, created_at, updated_at)
      values ('older', 'active', 'shared', 0, 0, false, false, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'),
             ('newer', 'active', 'shared', 0, 0, false, false, '2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z')`.execute(
      db,
    );
    await sql`insert into image_members (image_id, member, status, created_at, updated_at)
      values ('newer', 'p1', 'accepted', '2024-02-01T00:00:00Z', '2024-02-01T00:00:00Z'),
             ('older', 'p1', 'accepted', '2024-02-02T00:00:00Z', '2024-02-02T00:00:00Z')`.execute(db);
    await db.destroy();

    await expectNewestSharedFirst({ dialect: 'postgresql', url });
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const copies = await client.query(
        'select image_id, image_created_at from image_members order by image_id',
      );
      expect(copies.rows).toEqual([
        { image_id: 'newer', image_created_at: new Date('2024-01-02T00:00:00Z') },
        { image_id: 'older', image_created_at: new Date('2024-01-01T00:00:00Z') },
      ]);
    } finally {
      await client.end();
    }
  });

  it('keeps at most poolSize connections (default 5, oslo.db max_pool_size)', async () => {
    const url = server!.url;
    const connectionsFor = async (options: { poolSize?: number }): Promise<number> => {
      const database = await openImageDatabase({ dialect: 'postgresql', url }, options);
      try {
        // Eight statements asked for at once: the pool opens connections up to its size.
        await Promise.all(Array.from({ length: 8 }, () => database.images.get('none')));
        return await glanceTsConnections(url);
      } finally {
        await database.close();
      }
    };
    expect(await connectionsFor({ poolSize: 2 })).toBe(2);
    expect(await connectionsFor({})).toBe(5);
  });

  it('prepares statements, and prepares them again when a table gains a column under them', async () => {
    const url = server!.url;
    // One connection: the statements run below are prepared on it.
    const database = await openImageDatabase({ dialect: 'postgresql', url }, { poolSize: 1 });
    try {
      await database.images.create({ id: 'kept', name: 'before' });
      for (let run = 0; run < 3; run++)
        expect(await database.images.get('kept')).toMatchObject({ name: 'before' });
      // What a newer glance-ts's migration does during a rolling upgrade.
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('alter table images add column added_later text');
      } finally {
        await client.end();
      }
      // A prepared SELECT * would now fail with "cached plan must not change result type".
      expect(await database.images.get('kept')).toMatchObject({ name: 'before' });
      const listed = await database.images.list({
        scope: { isAdmin: true, projectId: null },
        filters: {},
        sort: [],
        limit: 10,
      });
      expect(listed.map((record) => record.id)).toEqual(['kept']);
    } finally {
      await database.close();
    }
  });

  it('reads bigint as numbers on its own pool only, leaving the global pg parsers alone', async () => {
    const database = await openImageDatabase({ dialect: 'postgresql', url: server!.url });
    await database.close();
    expect(types.getTypeParser(20, 'text')('9007199254740993')).toBe('9007199254740993');
  });

  it('sorts text in byte order, as SQLite does, even when the database collates by a locale', async () => {
    const localized = await createTestPostgresDatabase(process.env, { icuLocale: 'en-US' });
    try {
      const database = await openImageDatabase({ dialect: 'postgresql', url: localized.url });
      const names = ['alpha', 'Zeta', 'Äther', 'ätna', '_under', '10', '9', 'Beta'];
      for (const [index, name] of names.entries()) await database.images.create({ id: `i${index}`, name });
      const listed = await database.images.list({
        scope: { isAdmin: true, projectId: null },
        filters: {},
        sort: [{ key: 'name', dir: 'asc' }],
        limit: 100,
      });
      await database.close();
      // en-US would give _under 10 9 alpha Äther ätna Beta Zeta.
      expect(listed.map((image) => image.name)).toEqual([
        '10',
        '9',
        'Beta',
        'Zeta',
        '_under',
        'alpha',
        'Äther',
        'ätna',
      ]);
    } finally {
      await localized.drop();
    }
  });

  it('reports a refused login without the password', async () => {
    const url = new URL(server!.url);
    url.password = 'wrong-secret';
    const error = await openError({ dialect: 'postgresql', url: url.toString() });
    expect(error.message).toMatch(
      /^cannot open the image database postgresql:\/\/glance_test:\*\*\*@127\.0\.0\.1:5432\/glance_test_\w+: password authentication failed/,
    );
    expect(error.message).not.toContain('wrong-secret');
  });

  it('reports a server that is not there', async () => {
    const error = await openError({
      dialect: 'postgresql',
      url: 'postgresql://glance:secret@127.0.0.1:1/glance',
    });
    expect(error.message).toMatch(
      /^cannot open the image database postgresql:\/\/glance:\*\*\*@127\.0\.0\.1:1\/glance: .*ECONNREFUSED/,
    );
    expect(error.message).not.toContain('secret');
    // localhost may resolve to ::1 and 127.0.0.1: node-postgres then throws an AggregateError
    // whose own message is empty.
    const both = await openError({
      dialect: 'postgresql',
      url: 'postgresql://glance:secret@localhost:1/glance',
    });
    expect(both.message).toMatch(
      /^cannot open the image database postgresql:\/\/glance:\*\*\*@localhost:1\/glance: .*ECONNREFUSED/,
    );
  });
});

describe('describing targets', () => {
  it('masks the password of a URL', () => {
    expect(maskPassword('postgresql://glance:s3cret@db.example.org:5432/glance?sslmode=require')).toBe(
      'postgresql://glance:***@db.example.org:5432/glance?sslmode=require',
    );
    expect(maskPassword('postgresql://glance@db/glance')).toBe('postgresql://glance@db/glance');
    expect(maskPassword('postgresql://glance:p%40ss@db/glance')).toBe('postgresql://glance:***@db/glance');
  });

  it('masks the password of a URL that does not parse', () => {
    expect(maskPassword('postgresql://glance:se cret@[bad/glance')).toBe(
      'postgresql://glance:***@[bad/glance',
    );
  });

  it('shows SQLite files as oslo.db URLs', () => {
    expect(describeDatabaseTarget({ dialect: 'sqlite', path: '/var/lib/glance/glance.sqlite' })).toBe(
      'sqlite:////var/lib/glance/glance.sqlite',
    );
  });
});

describe('createTestPostgresDatabase', () => {
  it('fails with one line saying how to get a server when none answers', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const env = { GLANCE_TEST_POSTGRES_URL: 'postgresql://glance_test:secret@127.0.0.1:1/postgres' };
    await expect(createTestPostgresDatabase(env)).rejects.toThrow(
      /^CREATE DATABASE on postgresql:\/\/glance_test:\*\*\*@127\.0\.0\.1:1\/postgres failed: .*run tools\/ci\/postgres\.sh[^\n]*$/,
    );
  });

  it('uses the server tools/ci/postgres.sh sets up when the variable is not set', async () => {
    const database = await createTestPostgresDatabase({});
    expect(database.url).toMatch(
      /^postgresql:\/\/glance_test:glance_test@127\.0\.0\.1:5432\/glance_test_[0-9a-f]{16}$/,
    );
    await database.drop();
  });
});
