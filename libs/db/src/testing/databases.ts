import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DatabaseTarget,
  type ImageDatabase,
  openImageDatabase,
  type OpenImageDatabaseOptions,
} from '../database';
import type { ImageRepository } from '../image-repository';
import type { DatabaseDialect } from '../sql-dialect';
import type { ImageRecord } from '../types';
import { createTestPostgresDatabase } from './postgres';

/** A fresh, empty image database for one test file, of either engine. */
export interface TestImageDatabase {
  database: ImageDatabase;
  /** Where it is, to open more handles on it (close those yourself). */
  target: DatabaseTarget;
  /** Closes the handle and removes the database (the temporary directory / the PostgreSQL database). */
  dispose(): Promise<void>;
}

/**
 * Opens a new database: SQLite in a temporary directory, or PostgreSQL through
 * createTestPostgresDatabase (which fails, saying how to get a server, without
 * $GLANCE_TEST_POSTGRES_URL).
 */
export async function openTestImageDatabase(
  dialect: DatabaseDialect,
  options: OpenImageDatabaseOptions = {},
): Promise<TestImageDatabase> {
  if (dialect === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'glance-ts-db-'));
    const target: DatabaseTarget = { dialect, path: join(directory, 'glance.sqlite') };
    const remove = () => rmSync(directory, { recursive: true, force: true });
    const database = await openImageDatabase(target, options).catch((error: unknown) => {
      remove();
      throw error;
    });
    return { database, target, dispose: () => database.close().finally(remove) };
  }
  const server = await createTestPostgresDatabase();
  const target: DatabaseTarget = { dialect, url: server.url };
  const database = await openImageDatabase(target, options).catch(async (error: unknown) => {
    await server.drop();
    throw error;
  });
  return { database, target, dispose: () => database.close().finally(server.drop) };
}

/** A `[database] connection` for a service under test, and how to remove what it names. */
export interface TestDatabaseConnection {
  connection: string;
  /** Drops the PostgreSQL database; nothing for SQLite (the file lives in the test's directory). */
  drop(): Promise<void>;
}

/**
 * The `[database] connection` of a service a test starts: SQLite at `sqlitePath` (relative to the
 * service's directory, or absolute), or a new PostgreSQL database from createTestPostgresDatabase.
 */
export async function testDatabaseConnection(
  dialect: DatabaseDialect,
  sqlitePath = 'glance.sqlite',
): Promise<TestDatabaseConnection> {
  if (dialect === 'sqlite') return { connection: `sqlite:///${sqlitePath}`, drop: async () => undefined };
  const server = await createTestPostgresDatabase();
  return { connection: server.url, drop: server.drop };
}

/** Every image, hidden ones included (an admin's listings, up to 1000 of each). */
export async function listEveryImage(images: ImageRepository): Promise<ImageRecord[]> {
  const list = (osHidden?: boolean) =>
    images.list({
      scope: { isAdmin: true, projectId: null },
      filters: { visibility: 'all', osHidden },
      sort: [],
      limit: 1000,
    });
  return [...(await list()), ...(await list(true))];
}

/** Deletes every image (and so its members, properties, tags and locations). */
export async function removeEveryImage(images: ImageRepository): Promise<void> {
  for (const image of await listEveryImage(images)) await images.delete(image.id);
}
