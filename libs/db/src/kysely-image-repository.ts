import { dictSet } from '@glance-ts/pycompat';
import { type AliasedSelectQueryBuilder, type Expression, type Kysely, sql, type Transaction } from 'kysely';
import { DuplicateImageError, MarkerNotFoundError, SharedDataError } from './errors';
import type { ImageRepository } from './image-repository';
import { locationDataKey } from './location-data';
import {
  completeSort,
  listPlanIsValueIndependent,
  orderModifiers,
  selectListPage,
  visibleTo,
} from './list-query';
import { GENERIC_PLAN_HINT } from './postgres-connection';
import type { ImageRow, ImageSchema, ImagesTable } from './schema';
import { type DatabaseDialect, type SqlDialect, sqlDialect } from './sql-dialect';
import type {
  ImageChanges,
  ImageCore,
  ImageListQuery,
  ImageLocation,
  ImageRecord,
  ImageStatus,
  ImageVisibility,
  ImageWriteResult,
  NewImage,
  ReleasedLocation,
  SortSpec,
  UploadInProgress,
} from './types';
import { IMAGE_CORE_DEFAULTS } from './types';

export interface KyselyImageRepositoryOptions {
  /** The time given to createdAt / updatedAt. Default: the system clock. */
  clock?: () => Date;
}

/** The column of each core attribute. */
const CORE_COLUMNS = {
  name: 'name',
  status: 'status',
  visibility: 'visibility',
  size: 'size',
  virtualSize: 'virtual_size',
  diskFormat: 'disk_format',
  containerFormat: 'container_format',
  checksum: 'checksum',
  osHashAlgo: 'os_hash_algo',
  osHashValue: 'os_hash_value',
  owner: 'owner',
  minDisk: 'min_disk',
  minRam: 'min_ram',
  protected: 'protected',
  osHidden: 'os_hidden',
} as const satisfies { [K in keyof ImageCore]: keyof ImagesTable };

const BOOLEAN_ATTRIBUTES: ReadonlySet<keyof ImageCore> = new Set(['protected', 'osHidden'] as const);

type Db = Kysely<ImageSchema>;

/**
 * Marks a read whose best plan is the same for any values (a primary-key lookup, a listing that
 * listPlanIsValueIndependent accepts): PostgreSQL then plans it once per connection and reuses the
 * plan (postgres-connection's GENERIC_PLAN_HINT); SQLite, which keeps plans with its prepared
 * statements anyway, reads the hint as a comment. A connection switches plan modes between a
 * marked statement and another (one SET), so the reads of one request are marked alike.
 */
function planOnce<Q extends { modifyFront(modifier: Expression<unknown>): Q }>(query: Q): Q {
  return query.modifyFront(sql.raw(GENERIC_PLAN_HINT));
}

/**
 * ImageRepository over Kysely, for SQLite and PostgreSQL alike: the engines' differences are in
 * SqlDialect (value representations, error codes, row locks) and in how the connection is opened.
 * Use it through openImageDatabase: it relies on the schema's migrations and, for SQLite, on the
 * connection set up there (foreign keys on, write transactions BEGIN IMMEDIATE).
 *
 * Every method is one transaction. Write methods first lock the image's row (an UPDATE of it, or
 * SqlDialect.lockImage), so concurrent writers of one image are serialized on it, and `transition`
 * is a compare-and-set in SQL (`UPDATE ... WHERE id = ? AND status IN (...)`): of two concurrent
 * transitions from the same status exactly one succeeds, in one process or across many.
 */
export class KyselyImageRepository implements ImageRepository {
  private readonly sql: SqlDialect;
  private readonly clock: () => Date;

  constructor(
    private readonly db: Db,
    dialect: DatabaseDialect,
    options: KyselyImageRepositoryOptions = {},
  ) {
    this.sql = sqlDialect(dialect);
    this.clock = options.clock ?? (() => new Date());
  }

  async create(image: NewImage): Promise<ImageRecord> {
    const now = this.sql.toSqlTimestamp(this.clock());
    const core = { ...IMAGE_CORE_DEFAULTS, ...definedOnly(image) };
    return this.write(async (trx) => {
      try {
        await trx
          .insertInto('images')
          .values({
            id: image.id,
            ...(this.coreColumns(core) as CoreColumns),
            created_at: now,
            updated_at: now,
          })
          .execute();
      } catch (error) {
        if (this.sql.isUniqueViolation(error)) throw new DuplicateImageError(image.id);
        throw error;
      }
      await insertProperties(trx, image.id, image.properties ?? {});
      await insertTags(trx, image.id, image.tags ?? []);
      return this.loadOne(trx, image.id);
    });
  }

  async get(id: string): Promise<ImageRecord | null> {
    const row = await planOnce(
      this.withChildren(this.db, this.db.selectFrom('images').selectAll().where('id', '=', id), []),
    ).executeTakeFirst();
    return row ? this.toRecord(row) : null;
  }

  /**
   * One statement for the page and its children (no transaction: a statement reads one snapshot
   * on both engines); the marker is looked up before it, as Glance does.
   */
  async list(query: ImageListQuery): Promise<ImageRecord[]> {
    const sort = completeSort(query.sort);
    // The marker's lookup (by primary key: any plan serves it) is marked like the page, so that the
    // connection runs both in one plan mode.
    const onePlan = listPlanIsValueIndependent(query, sort) ? planOnce : <Q>(statement: Q) => statement;
    let marker: ImageRow | undefined;
    if (query.marker !== undefined) {
      marker = await onePlan(
        this.db
          .selectFrom('images')
          .selectAll()
          .where('id', '=', query.marker)
          .where((eb) => visibleTo(eb, query.scope)),
      ).executeTakeFirst();
      if (!marker) throw new MarkerNotFoundError(query.marker);
    }
    const rows = await onePlan(
      this.withChildren(this.db, selectListPage(this.db, query, sort, marker, this.sql), sort),
    ).execute();
    return rows.map((row) => this.toRecord(row));
  }

  update(id: string, changes: ImageChanges): Promise<ImageWriteResult | null> {
    return this.write((trx) => this.applyChanges(trx, id, changes, null));
  }

  async transition(
    id: string,
    from: readonly ImageStatus[],
    changes: ImageChanges,
  ): Promise<ImageWriteResult | null> {
    // No status to move from: nothing can match (and `IN ()` is not valid SQL).
    if (from.length === 0) return null;
    return this.write((trx) => this.applyChanges(trx, id, changes, from));
  }

  addTag(id: string, tag: string): Promise<ImageRecord | null> {
    return this.write(async (trx) => {
      // Glance saves the image, bumping updated_at, even when the tag was already there.
      if (!(await this.touch(trx, id))) return null;
      await trx
        .insertInto('image_tags')
        .values({ image_id: id, value: tag })
        .onConflict((conflict) => conflict.columns(['image_id', 'value']).doNothing())
        .execute();
      return this.loadOne(trx, id);
    });
  }

  removeTag(id: string, tag: string): Promise<boolean> {
    return this.write(async (trx) => {
      if (!(await this.sql.lockImage(trx, id))) return false;
      const removed = await trx
        .deleteFrom('image_tags')
        .where('image_id', '=', id)
        .where('value', '=', tag)
        .executeTakeFirst();
      if (Number(removed.numDeletedRows) === 0) return false;
      await this.touch(trx, id);
      return true;
    });
  }

  addLocation(id: string, location: ImageLocation): Promise<ImageRecord | null> {
    return this.write(async (trx) => {
      if (!(await this.touch(trx, id))) return null;
      const last = await trx
        .selectFrom('image_locations')
        .select((eb) => eb.fn.max('position').as('position'))
        .where('image_id', '=', id)
        .executeTakeFirst();
      const next = last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1;
      await insertLocations(trx, id, [location], next);
      return this.loadOne(trx, id);
    });
  }

  delete(id: string): Promise<ImageWriteResult | null> {
    return this.write(async (trx) => {
      if (!(await this.sql.lockImage(trx, id))) return null;
      const removed = await this.loadOne(trx, id);
      const released = await this.release(trx, id, await this.locationRows(trx, id), new Set());
      // Properties, tags and locations go with it (ON DELETE CASCADE).
      await trx.deleteFrom('images').where('id', '=', id).execute();
      return { ...removed, released };
    });
  }

  async uploadsInProgress(): Promise<UploadInProgress[]> {
    const rows = await this.db
      .selectFrom('images')
      .select(['id', 'upload_owner', 'upload_store', 'upload_heartbeat'])
      .where('status', '=', 'saving')
      .execute();
    return rows.map((row) => ({
      imageId: row.id,
      owner: row.upload_owner,
      store: row.upload_store,
      heartbeatAt: row.upload_heartbeat === null ? null : Number(row.upload_heartbeat),
    }));
  }

  async heartbeatUpload(id: string, owner: string, at: number): Promise<boolean> {
    const result = await this.write((trx) =>
      trx
        .updateTable('images')
        .set({ upload_heartbeat: at })
        .where('id', '=', id)
        .where('status', '=', 'saving')
        .where('upload_owner', '=', owner)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  async recoverUpload(id: string, lease: Omit<UploadInProgress, 'imageId' | 'store'>): Promise<boolean> {
    const result = await this.write((trx) => {
      let update = trx
        .updateTable('images')
        .set({
          status: 'queued',
          upload_owner: null,
          upload_store: null,
          upload_heartbeat: null,
          updated_at: this.sql.toSqlTimestamp(this.clock()),
        })
        .where('id', '=', id)
        .where('status', '=', 'saving');
      update =
        lease.owner === null
          ? update.where('upload_owner', 'is', null)
          : update.where('upload_owner', '=', lease.owner);
      update =
        lease.heartbeatAt === null
          ? update.where('upload_heartbeat', 'is', null)
          : update.where('upload_heartbeat', '=', lease.heartbeatAt);
      return update.executeTakeFirst();
    });
    return Number(result.numUpdatedRows) > 0;
  }

  async isDataReferenced(key: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('image_locations')
      .select('id')
      .where('data_key', '=', key)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  // -------------------------------------------------------------------------------------------

  /**
   * A read-write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED). Reads need none:
   * each is one statement, which sees one snapshot on both engines (withChildren).
   */
  private write<T>(work: (trx: Transaction<ImageSchema>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /**
   * The UPDATE of the image row that opens update and transition: sets the core columns and
   * updated_at, only when the status is one of `from` if given. Then replaces the child rows the
   * changes give. Null (nothing changed) when no row matched.
   */
  private async applyChanges(
    trx: Db,
    id: string,
    changes: ImageChanges,
    from: readonly ImageStatus[] | null,
  ): Promise<ImageWriteResult | null> {
    let update = trx
      .updateTable('images')
      .set({
        ...this.coreColumns(changes.core ?? {}),
        ...uploadColumns(changes),
        updated_at: this.sql.toSqlTimestamp(this.clock()),
      })
      .where('id', '=', id);
    if (from !== null) update = update.where('status', 'in', from);
    if (changes.ifUploadOwner !== undefined)
      update = update.where('upload_owner', '=', changes.ifUploadOwner);
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return null;

    if (changes.properties !== undefined) {
      await trx.deleteFrom('image_properties').where('image_id', '=', id).execute();
      await insertProperties(trx, id, changes.properties);
    }
    if (changes.tags !== undefined) {
      await trx.deleteFrom('image_tags').where('image_id', '=', id).execute();
      await insertTags(trx, id, changes.tags);
    }
    let released: ReleasedLocation[] = [];
    if (changes.locations !== undefined) {
      released = await this.replaceLocations(trx, id, changes.locations, changes.refuseSharedData ?? false);
    }
    return { ...(await this.loadOne(trx, id)), released };
  }

  /**
   * Replaces the image's locations, refusing (SharedDataError) a new location on another image's
   * data when asked, and returns the locations that are gone, each marked shared when another image
   * or a kept location still names its data.
   */
  private async replaceLocations(
    trx: Db,
    id: string,
    locations: readonly ImageLocation[],
    refuseSharedData: boolean,
  ): Promise<ReleasedLocation[]> {
    const old = await this.locationRows(trx, id);
    const oldUrls = new Set(old.map((row) => row.url));
    const newUrls = new Set(locations.map((location) => location.url));
    const added = locations.filter((location) => !oldUrls.has(location.url));
    const keys = [
      ...old.map((row) => row.data_key),
      ...added.map((location) => locationDataKey(location.url)),
    ];
    await this.sql.lockDataKeys(
      trx,
      keys.filter((key): key is string => key !== null),
    );
    if (refuseSharedData) {
      for (const location of added) {
        const key = locationDataKey(location.url);
        const other = key === null ? undefined : await this.otherImageWithData(trx, id, key);
        if (other !== undefined) throw new SharedDataError(id, location.url, other);
      }
    }
    const kept = new Set(
      locations.map((location) => locationDataKey(location.url)).filter((key) => key !== null),
    );
    const gone = old.filter((row) => !newUrls.has(row.url));
    const released = await this.release(trx, id, gone, kept);
    await trx.deleteFrom('image_locations').where('image_id', '=', id).execute();
    await insertLocations(trx, id, locations, 0);
    return released;
  }

  /** The image's location rows, with their data keys, in order. */
  private locationRows(trx: Db, id: string) {
    return trx
      .selectFrom('image_locations')
      .select(['url', 'metadata', 'status', 'data_key'])
      .where('image_id', '=', id)
      .orderBy('position')
      .orderBy('id')
      .execute();
  }

  /** Some other image with a location on the data `key` names, if any. */
  private async otherImageWithData(trx: Db, id: string, key: string): Promise<string | undefined> {
    const row = await trx
      .selectFrom('image_locations')
      .select('image_id')
      .where('data_key', '=', key)
      .where('image_id', '!=', id)
      .limit(1)
      .executeTakeFirst();
    return row?.image_id;
  }

  /**
   * The locations `rows` as released by image `id`: shared when a location in `kept` or another
   * image still names the same data. Takes the data keys' locks first.
   */
  private async release(
    trx: Db,
    id: string,
    rows: ReadonlyArray<{ url: string; metadata: string; status: string; data_key: string | null }>,
    kept: ReadonlySet<string | null>,
  ): Promise<ReleasedLocation[]> {
    await this.sql.lockDataKeys(
      trx,
      rows.map((row) => row.data_key).filter((key): key is string => key !== null),
    );
    const released: ReleasedLocation[] = [];
    for (const row of rows) {
      const key = row.data_key;
      const shared =
        key !== null && (kept.has(key) || (await this.otherImageWithData(trx, id, key)) !== undefined);
      released.push({
        url: row.url,
        metadata: JSON.parse(row.metadata) as Record<string, unknown>,
        status: row.status as ImageLocation['status'],
        shared,
      });
    }
    return released;
  }

  /** Bumps updated_at (locking the row); false when there is no such image. */
  private async touch(trx: Db, id: string): Promise<boolean> {
    const result = await trx
      .updateTable('images')
      .set({ updated_at: this.sql.toSqlTimestamp(this.clock()) })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The columns of the attributes `core` gives (undefined ones are left alone). */
  private coreColumns(core: Partial<ImageCore>): Partial<CoreColumns> {
    const columns: Record<string, unknown> = {};
    for (const [attribute, value] of Object.entries(core) as Array<[keyof ImageCore, unknown]>) {
      if (value === undefined || !(attribute in CORE_COLUMNS)) continue;
      columns[CORE_COLUMNS[attribute]] = BOOLEAN_ATTRIBUTES.has(attribute)
        ? this.sql.toSqlBoolean(value as boolean)
        : value;
    }
    return columns as Partial<CoreColumns>;
  }

  /** The record of an image known to exist in this transaction. */
  private async loadOne(trx: Db, id: string): Promise<ImageRecord> {
    const query = trx.selectFrom('images').selectAll().where('id', '=', id);
    return this.toRecord(await this.withChildren(trx, query, []).executeTakeFirstOrThrow());
  }

  /**
   * The image rows `rows` selects, each with its properties, tags and locations as JSON arrays
   * (childRows), in the order `sort`: a page and its children in one statement, whatever its size.
   */
  private withChildren(
    db: Db,
    rows: { as(alias: 'record'): AliasedSelectQueryBuilder<ImageRow, 'record'> },
    sort: readonly SortSpec[],
  ) {
    const id = sql.ref<string>('record.id');
    let query = db
      .selectFrom(rows.as('record'))
      .selectAll('record')
      .select([
        this.sql.childRows('image_properties', ['name', 'value'], ['name'], id).as('child_properties'),
        this.sql.childRows('image_tags', ['value'], ['id'], id).as('child_tags'),
        this.sql
          .childRows('image_locations', ['url', 'metadata', 'status'], ['position', 'id'], id)
          .as('child_locations'),
      ]);
    // The page's order does not survive the subquery: SQL orders only the outermost SELECT.
    for (const spec of sort) query = query.orderBy(`record.${spec.key}`, orderModifiers(spec));
    return query;
  }

  private toRecord(row: ImageRow & ChildColumns): ImageRecord {
    const properties: Record<string, string> = {};
    for (const [name, value] of this.sql.parseChildRows(row.child_properties))
      dictSet(properties, name as string, value as string);
    return {
      id: row.id,
      name: row.name,
      status: row.status as ImageStatus,
      visibility: row.visibility as ImageVisibility,
      size: row.size,
      virtualSize: row.virtual_size,
      diskFormat: row.disk_format,
      containerFormat: row.container_format,
      checksum: row.checksum,
      osHashAlgo: row.os_hash_algo,
      osHashValue: row.os_hash_value,
      owner: row.owner,
      minDisk: row.min_disk,
      minRam: row.min_ram,
      protected: this.sql.fromSqlBoolean(row.protected),
      osHidden: this.sql.fromSqlBoolean(row.os_hidden),
      createdAt: this.sql.fromSqlTimestamp(row.created_at),
      updatedAt: this.sql.fromSqlTimestamp(row.updated_at),
      properties,
      tags: this.sql.parseChildRows(row.child_tags).map(([value]) => value as string),
      locations: this.sql.parseChildRows(row.child_locations).map(([url, metadata, status]) => ({
        url: url as string,
        metadata: JSON.parse(metadata as string) as Record<string, unknown>,
        status: status as ImageLocation['status'],
      })),
    };
  }
}

type CoreColumns = Omit<
  ImagesTable,
  'id' | 'created_at' | 'updated_at' | 'upload_owner' | 'upload_store' | 'upload_heartbeat'
>;

/** The upload lease columns a change sets: its lease, or none once the image leaves `saving`. */
function uploadColumns(changes: ImageChanges): Partial<ImagesTable> {
  if (changes.upload) {
    return {
      upload_owner: changes.upload.owner,
      upload_store: changes.upload.store,
      upload_heartbeat: changes.upload.heartbeatAt,
    };
  }
  const status = changes.core?.status;
  if (status !== undefined && status !== 'saving') {
    return { upload_owner: null, upload_store: null, upload_heartbeat: null };
  }
  return {};
}

/** The core attributes a NewImage gives, without the ones it leaves undefined. */
function definedOnly(image: NewImage): Partial<ImageCore> {
  const core: Partial<Record<keyof ImageCore, unknown>> = {};
  for (const attribute of Object.keys(CORE_COLUMNS) as Array<keyof ImageCore>)
    if (image[attribute] !== undefined) core[attribute] = image[attribute];
  return core as Partial<ImageCore>;
}

async function insertProperties(trx: Db, id: string, properties: Record<string, string>): Promise<void> {
  const rows = Object.entries(properties).map(([name, value]) => ({ image_id: id, name, value }));
  if (rows.length > 0) await trx.insertInto('image_properties').values(rows).execute();
}

/** Inserts in order, skipping repeats: the ids' order is the tags' order. */
async function insertTags(trx: Db, id: string, tags: readonly string[]): Promise<void> {
  const rows = [...new Set(tags)].map((value) => ({ image_id: id, value }));
  if (rows.length > 0) await trx.insertInto('image_tags').values(rows).execute();
}

async function insertLocations(
  trx: Db,
  id: string,
  locations: readonly ImageLocation[],
  firstPosition: number,
): Promise<void> {
  const rows = locations.map((location, index) => ({
    image_id: id,
    url: location.url,
    metadata: JSON.stringify(location.metadata ?? {}),
    status: location.status,
    position: firstPosition + index,
    data_key: locationDataKey(location.url),
  }));
  if (rows.length > 0) await trx.insertInto('image_locations').values(rows).execute();
}

/** The children withChildren adds to an image row. */
interface ChildColumns {
  child_properties: unknown;
  child_tags: unknown;
  child_locations: unknown;
}
