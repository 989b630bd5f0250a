import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { classifyingDialect, DatabaseUnavailableError, isDatabaseUnavailable } from './availability';
import { type ImageDatabase, openImageDatabase } from './database';
import { KyselyImageRepository } from './kysely-image-repository';
import type { ImageSchema } from './schema';
import { sqliteConnectionOn } from './sqlite-connection';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006' }],
    [{ message: 'Connection terminated unexpectedly' }],
    [{ code: 'SQLITE_BUSY' }],
    [{ code: 'SQLITE_READONLY_DBMOVED' }],
    [{ code: 'SQLITE_IOERR_WRITE' }],
    [
      Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }]), {
        message: '',
      }),
    ],
  ])('counts %j as the database out of reach', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [{ code: '23505' }],
    [{ code: 'SQLITE_CONSTRAINT_UNIQUE' }],
    [new TypeError('x is undefined')],
    [null],
  ])('does not count %j', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('SQLite that cannot serve', () => {
  let dir: string;
  let database: ImageDatabase | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'glance-ts-db-availability-'));
  });
  afterEach(async () => {
    await database?.close();
    database = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("waits for another process's write lock without blocking the event loop, then reports it unavailable", async () => {
    const path = join(dir, 'glance.sqlite');
    database = await openImageDatabase({ dialect: 'sqlite', path });
    // Another process's writer, holding the write lock (a separate connection, as another process).
    const other = new Database(path);
    other.exec('begin immediate');
    try {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = Date.now();
      const error = await database.images.create({ id: 'blocked' }).catch((caught: unknown) => caught);
      clearInterval(ticker);
      const waited = Date.now() - started;
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toMatch(/^The image database is unavailable: database is locked/);
      expect(waited).toBeGreaterThanOrEqual(4500);
      // The loop ran all along: about one tick per 10 ms of waiting, not none.
      expect(ticks).toBeGreaterThan(waited / 10 / 2);
    } finally {
      other.exec('rollback');
      other.close();
    }
    expect(await database.images.create({ id: 'later' })).toMatchObject({ id: 'later' });
  }, 20_000);

  it('reports a read-only database as unavailable, not as a failed rollback', async () => {
    const path = join(dir, 'glance.sqlite');
    await (await openImageDatabase({ dialect: 'sqlite', path })).close();
    // A handle SQLite opened read-only (as on a read-only mount, which a test cannot make as root).
    const readOnly = sqliteConnectionOn(new Database(path, { readonly: true }), path);
    const db = new Kysely<ImageSchema>({ dialect: classifyingDialect(readOnly.dialect, String) });
    try {
      const error = await new KyselyImageRepository(db, 'sqlite')
        .create({ id: 'x' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toMatch(/readonly database/);
      expect((error as Error).message).not.toMatch(/cannot rollback/);
    } finally {
      await db.destroy();
      readOnly.release();
    }
  });
});
