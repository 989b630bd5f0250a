import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  sql,
} from 'kysely';
import { locationDataKey } from './location-data';
import type { DatabaseDialect } from './sql-dialect';

/**
 * The schema's versions, applied in name order at open by Kysely's Migrator (which records them in
 * its `kysely_migration` table). Migrations are code, not files found at runtime, so a build
 * cannot ship without them. Never edit a released migration: add the next one (`0002_...`).
 *
 * Like Glance's tables, except that deleting an image removes its rows (Glance soft-deletes and
 * purges later), so there are no `deleted` / `deleted_at` columns.
 */
export function imageMigrations(dialect: DatabaseDialect): Record<string, Migration> {
  return {
    '0001_images': images0001(dialect),
    '0002_hash_jobs': hashJobs0002(dialect),
    '0003_location_data_keys': locationDataKeys0003(),
    '0004_upload_leases': uploadLeases0004(),
    '0005_image_members': imageMembers0005(dialect),
    '0006_listing_order_indexes': listingOrderIndexes0006(dialect),
  };
}

export function imageMigrationProvider(dialect: DatabaseDialect): MigrationProvider {
  return { getMigrations: async () => imageMigrations(dialect) };
}

/** Column types that differ per engine. */
function columnTypes(dialect: DatabaseDialect) {
  const postgres = dialect === 'postgresql';
  return {
    // Text that is sorted or compared by range (and the ids that reference it): PostgreSQL's default
    // collation follows the database's locale, while SQLite compares bytes. "C" is byte order in
    // PostgreSQL too, so listings sort identically on both engines.
    sortedText: postgres ? sql`text collate "C"` : sql`text`,
    // Milliseconds, UTC. SQLite has no timestamp type: ISO 8601 text (see schema.ts).
    timestamp: postgres ? sql`timestamptz(3)` : sql`text`,
    // A row id ascending in insertion order.
    serial: postgres ? sql`bigint` : sql`integer`,
    serialKey: (column: ColumnDefinitionBuilder) =>
      postgres
        ? column.primaryKey().generatedByDefaultAsIdentity()
        : // AUTOINCREMENT: ids are never reused, even after the newest row is deleted.
          column.primaryKey().autoIncrement(),
  };
}

function images0001(dialect: DatabaseDialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('images')
        .addColumn('id', types.sortedText, (column) => column.primaryKey())
        .addColumn('name', types.sortedText)
        .addColumn('status', types.sortedText, (column) => column.notNull())
        .addColumn('visibility', types.sortedText, (column) => column.notNull())
        .addColumn('size', 'bigint')
        .addColumn('virtual_size', 'bigint')
        .addColumn('disk_format', types.sortedText)
        .addColumn('container_format', types.sortedText)
        .addColumn('checksum', 'text')
        .addColumn('os_hash_algo', 'text')
        .addColumn('os_hash_value', 'text')
        .addColumn('owner', types.sortedText)
        .addColumn('min_disk', 'integer', (column) => column.notNull())
        .addColumn('min_ram', 'integer', (column) => column.notNull())
        .addColumn('protected', 'boolean', (column) => column.notNull())
        .addColumn('os_hidden', 'boolean', (column) => column.notNull())
        .addColumn('created_at', types.timestamp, (column) => column.notNull())
        .addColumn('updated_at', types.timestamp, (column) => column.notNull())
        .execute();
      // For the list query's filters and its default order (created_at, id).
      for (const columns of [
        ['owner'],
        ['status'],
        ['visibility'],
        ['name'],
        ['created_at', 'id'],
        ['updated_at'],
      ])
        await db.schema
          .createIndex(`images_${columns.join('_')}_idx`)
          .on('images')
          .columns(columns)
          .execute();

      const imageId = (column: ColumnDefinitionBuilder) =>
        column.notNull().references('images.id').onDelete('cascade');

      // The primary key also serves the list query's property filter (EXISTS by image_id, name).
      await db.schema
        .createTable('image_properties')
        .addColumn('image_id', types.sortedText, imageId)
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('value', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('image_properties_pkey', ['image_id', 'name'])
        .execute();

      // The unique constraint makes addTag idempotent (ON CONFLICT DO NOTHING) and serves the
      // list query's tag filter.
      await db.schema
        .createTable('image_tags')
        .addColumn('id', types.serial, types.serialKey)
        .addColumn('image_id', types.sortedText, imageId)
        .addColumn('value', 'text', (column) => column.notNull())
        .addUniqueConstraint('image_tags_image_id_value_key', ['image_id', 'value'])
        .execute();

      await db.schema
        .createTable('image_locations')
        .addColumn('id', types.serial, types.serialKey)
        .addColumn('image_id', types.sortedText, imageId)
        .addColumn('url', 'text', (column) => column.notNull())
        .addColumn('metadata', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('position', 'integer', (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('image_locations_image_id_position_idx')
        .on('image_locations')
        .columns(['image_id', 'position'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of ['image_locations', 'image_tags', 'image_properties', 'images'])
        await db.schema.dropTable(table).execute();
    },
  };
}

/**
 * Hashing jobs for images whose data arrived by location (the location API): one row per image,
 * removed with the image. Times are epoch milliseconds (integers), compared only with each other.
 */
function hashJobs0002(dialect: DatabaseDialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hash_jobs')
        .addColumn('image_id', types.sortedText, (column) =>
          column.primaryKey().references('images.id').onDelete('cascade'),
        )
        .addColumn('location_url', 'text', (column) => column.notNull())
        // The os_hash_value the client declared (validation_data), checked against the data.
        .addColumn('expected_hash', 'text')
        .addColumn('attempts', 'integer', (column) => column.notNull())
        .addColumn('last_error', 'text')
        // Who works on it until when; a job whose lease has passed is free to take (a crashed
        // worker's job is taken over, and a failed attempt's retry waits by pushing it forward).
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('hash_jobs_lease_until_idx')
        .on('hash_jobs')
        .columns(['lease_until'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('hash_jobs').execute();
    },
  };
}

/**
 * Which data each location names (locationDataKey), so that a delete can tell in one indexed query
 * whether another image still has a location on the same data. Existing rows are filled in here.
 */
function locationDataKeys0003(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('image_locations').addColumn('data_key', 'text').execute();
      await db.schema
        .createIndex('image_locations_data_key_idx')
        .on('image_locations')
        .column('data_key')
        .execute();
      const locations = db as unknown as Kysely<{
        image_locations: { id: number; url: string; data_key: string | null };
      }>;
      const rows = await locations.selectFrom('image_locations').select(['id', 'url']).execute();
      for (const row of rows) {
        const key = locationDataKey(row.url);
        if (key === null) continue;
        await locations
          .updateTable('image_locations')
          .set({ data_key: key })
          .where('id', '=', row.id)
          .execute();
      }
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('image_locations_data_key_idx').execute();
      await db.schema.alterTable('image_locations').dropColumn('data_key').execute();
    },
  };
}

/**
 * Who uploads an image's data and when it last said so (UploadLease), so an upload whose process
 * died does not leave its image `saving` for ever.
 */
function uploadLeases0004(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('images').addColumn('upload_owner', 'text').execute();
      await db.schema.alterTable('images').addColumn('upload_store', 'text').execute();
      await db.schema.alterTable('images').addColumn('upload_heartbeat', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const column of ['upload_heartbeat', 'upload_store', 'upload_owner'])
        await db.schema.alterTable('images').dropColumn(column).execute();
    },
  };
}

/**
 * Image members (sharing): one row per image and member project, removed with the image. The
 * unique key serves the owner's and the member's lookups of one membership; the (member, status)
 * index serves the listing's "shared with my project as <status>" condition from the member side.
 */
function imageMembers0005(dialect: DatabaseDialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('image_members')
        .addColumn('id', types.serial, types.serialKey)
        .addColumn('image_id', types.sortedText, (column) =>
          column.notNull().references('images.id').onDelete('cascade'),
        )
        .addColumn('member', types.sortedText, (column) => column.notNull())
        .addColumn('status', types.sortedText, (column) => column.notNull())
        .addColumn('created_at', types.timestamp, (column) => column.notNull())
        .addColumn('updated_at', types.timestamp, (column) => column.notNull())
        .addUniqueConstraint('image_members_image_id_member_key', ['image_id', 'member'])
        .execute();
      await db.schema
        .createIndex('image_members_member_status_idx')
        .on('image_members')
        .columns(['member', 'status', 'image_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('image_members').execute();
    },
  };
}

/**
 * Indexes that list each part of a caller's visible set in the listing's default order
 * (list-query.ts, scopeParts): public (or community) images by (visibility, created_at, id), the
 * project's own by (owner, created_at, id), and its memberships by (member, status,
 * image_created_at, image_id). An image's created_at never changes, so the membership row keeps a
 * copy of it: the membership index then yields the newest shared images first without reading the
 * member's every membership and sorting them. The two images indexes replace the single-column
 * (visibility) and (owner) ones, of which they are extensions.
 *
 * image_created_at is nullable only because SQLite cannot add a NOT NULL column without a default;
 * the member repository writes it with every membership and this migration fills in the old ones.
 */
function listingOrderIndexes0006(dialect: DatabaseDialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('image_members').addColumn('image_created_at', types.timestamp).execute();
      await sql`update image_members set image_created_at =
        (select images.created_at from images where images.id = image_members.image_id)`.execute(db);
      await db.schema.dropIndex('image_members_member_status_idx').execute();
      await db.schema
        .createIndex('image_members_member_status_order_idx')
        .on('image_members')
        .columns(['member', 'status', 'image_created_at', 'image_id'])
        .execute();
      for (const column of ['visibility', 'owner']) {
        await db.schema.dropIndex(`images_${column}_idx`).execute();
        await db.schema
          .createIndex(`images_${column}_order_idx`)
          .on('images')
          .columns([column, 'created_at', 'id'])
          .execute();
      }
    },
    async down(db: Kysely<unknown>) {
      for (const column of ['visibility', 'owner']) {
        await db.schema.dropIndex(`images_${column}_order_idx`).execute();
        await db.schema.createIndex(`images_${column}_idx`).on('images').column(column).execute();
      }
      await db.schema.dropIndex('image_members_member_status_order_idx').execute();
      await db.schema
        .createIndex('image_members_member_status_idx')
        .on('image_members')
        .columns(['member', 'status', 'image_id'])
        .execute();
      await db.schema.alterTable('image_members').dropColumn('image_created_at').execute();
    },
  };
}
