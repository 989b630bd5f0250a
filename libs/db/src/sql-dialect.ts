import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
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
  /**
   * Serializes the transactions that add or release locations on the same data (locationDataKey)
   * until this one ends, so that two deletes of images sharing data cannot both see the other image
   * and both keep the data, and an add cannot miss a concurrent one.
   */
  lockDataKeys(trx: Kysely<ImageSchema>, keys: readonly string[]): Promise<void>;
  /**
   * A scalar subquery: the rows of the child table `table` of the image `imageId`, as a JSON array
   * of arrays of `columns`, in the order `orderBy`. Read it back with parseChildRows.
   */
  childRows(
    table: ChildTable,
    columns: readonly string[],
    orderBy: readonly string[],
    imageId: Expression<string>,
  ): RawBuilder<unknown>;
  /** What a childRows column holds, as rows of values (none when the image has no such rows). */
  parseChildRows(value: unknown): unknown[][];
}

export type ChildTable = 'image_properties' | 'image_tags' | 'image_locations';

/** `(select <aggregate>(<row> order by ...) from <table> where image_id = <imageId>)`. */
function childRowsQuery(
  aggregate: string,
  row: string,
  table: ChildTable,
  columns: readonly string[],
  orderBy: readonly string[],
  imageId: Expression<string>,
): RawBuilder<unknown> {
  const ref = (column: string) => sql.ref(`${table}.${column}`);
  return sql`(select ${sql.raw(aggregate)}(${sql.raw(row)}(${sql.join(columns.map(ref))}) order by ${sql.join(
    orderBy.map(ref),
  )}) from ${sql.table(table)} where ${ref('image_id')} = ${imageId})`;
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
  // One writer at a time already (BEGIN IMMEDIATE).
  lockDataKeys: async () => undefined,
  childRows: (table, columns, orderBy, imageId) =>
    childRowsQuery('json_group_array', 'json_array', table, columns, orderBy, imageId),
  // Text, '[]' when there is none.
  parseChildRows: (value) => JSON.parse(value as string) as unknown[][],
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
  async lockDataKeys(trx, keys) {
    // Transaction-scoped advisory locks, taken in one order so that two writers cannot deadlock.
    for (const key of [...new Set(keys)].sort()) {
      await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 7079))`.execute(trx);
    }
  },
  childRows: (table, columns, orderBy, imageId) =>
    childRowsQuery('json_agg', 'json_build_array', table, columns, orderBy, imageId),
  // json, which node-postgres parses; NULL when there is none.
  parseChildRows: (value) => (value ?? []) as unknown[][],
};

export function sqlDialect(name: DatabaseDialect): SqlDialect {
  return name === 'sqlite' ? SQLITE : POSTGRESQL;
}
