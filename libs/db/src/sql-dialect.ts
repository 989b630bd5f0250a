import type { Kysely } from 'kysely';
import type { ImageSchema, SqlBoolean, SqlTimestamp } from './schema';

/** The database engines glance-ts stores image metadata in. */
export type DatabaseDialect = 'sqlite' | 'postgresql';

/**
 * Everything the repository does differently per engine, in one place. The SQL itself is shared:
 * both engines accept the same Kysely queries (RETURNING, ON CONFLICT, NULLS FIRST/LAST).
 */
export interface SqlDialect {
  readonly name: DatabaseDialect;
  toSqlBoolean(value: boolean): SqlBoolean;
  fromSqlBoolean(value: SqlBoolean): boolean;
  toSqlTimestamp(value: Date): SqlTimestamp;
  fromSqlTimestamp(value: SqlTimestamp): Date;
  /** The error is a primary-key or unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * Takes the image row's write lock for the rest of the (write) transaction; false when there is
   * no such image. Write methods call this (or UPDATE the row) first, so concurrent writers of
   * one image queue on its row in one order and cannot deadlock on its child rows.
   */
  lockImage(trx: Kysely<ImageSchema>, id: string): Promise<boolean>;
}

const SQLITE: SqlDialect = {
  name: 'sqlite',
  toSqlBoolean: (value) => (value ? 1 : 0),
  fromSqlBoolean: (value) => value === 1 || value === true,
  toSqlTimestamp: (value) => value.toISOString(),
  fromSqlTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  isUniqueViolation: (error) => {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
  async lockImage(trx, id) {
    // Write transactions are BEGIN IMMEDIATE (sqlite-connection.ts): this connection already holds
    // the whole database's write lock, so reading the row is enough.
    const row = await trx.selectFrom('images').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  },
};

/** SQLSTATE unique_violation (primary keys included). */
const PG_UNIQUE_VIOLATION = '23505';

const POSTGRESQL: SqlDialect = {
  name: 'postgresql',
  toSqlBoolean: (value) => value,
  fromSqlBoolean: (value) => value === true || value === 1,
  toSqlTimestamp: (value) => value,
  // node-postgres returns timestamptz columns as Dates already.
  fromSqlTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === PG_UNIQUE_VIOLATION,
  async lockImage(trx, id) {
    const row = await trx
      .selectFrom('images')
      .select('id')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    return row !== undefined;
  },
};

export function sqlDialect(name: DatabaseDialect): SqlDialect {
  return name === 'sqlite' ? SQLITE : POSTGRESQL;
}
