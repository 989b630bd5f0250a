import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them (snake_case, as Glance's). Booleans and timestamps have a
 * different representation per dialect; `SqlDialect` (dialects.ts) converts them, so nothing
 * outside it depends on which one is in use.
 */

/** PostgreSQL `boolean`; SQLite has no boolean type and stores 0 / 1. */
export type SqlBoolean = boolean | number;

/**
 * PostgreSQL `timestamptz(3)` (a Date); SQLite stores ISO 8601 UTC text with milliseconds
 * (`2024-05-01T12:00:00.000Z`), whose fixed width makes text order the time order.
 */
export type SqlTimestamp = Date | string;

export interface ImagesTable {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  size: number | null;
  virtual_size: number | null;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  owner: string | null;
  min_disk: number;
  min_ram: number;
  protected: SqlBoolean;
  os_hidden: SqlBoolean;
  created_at: SqlTimestamp;
  updated_at: SqlTimestamp;
  /** The upload lease while `saving` (UploadLease); null otherwise. */
  upload_owner: string | null;
  upload_store: string | null;
  /** Epoch ms; PostgreSQL's bigint comes back as a number (see postgres-connection.ts). */
  upload_heartbeat: number | null;
}

export interface ImagePropertiesTable {
  image_id: string;
  name: string;
  value: string;
}

export interface ImageTagsTable {
  /** Ascending in insertion order: tags are returned in this order. */
  id: Generated<number>;
  image_id: string;
  value: string;
}

export interface ImageLocationsTable {
  id: Generated<number>;
  image_id: string;
  url: string;
  /** JSON text of the location's metadata object. */
  metadata: string;
  status: string;
  /** 0-based order of the image's locations. */
  position: number;
  /** Which data the location names (locationDataKey); null for data glance-ts never deletes. */
  data_key: string | null;
}

export interface HashJobsTable {
  image_id: string;
  location_url: string;
  expected_hash: string | null;
  attempts: number;
  last_error: string | null;
  lease_owner: string | null;
  /** Epoch ms; PostgreSQL's bigint comes back as a string. */
  lease_until: number | string;
  created_at: number | string;
}

export interface ImageMembersTable {
  /** Ascending in insertion order: members are listed in this order. */
  id: Generated<number>;
  image_id: string;
  /** The member project's id. */
  member: string;
  status: string;
  created_at: SqlTimestamp;
  updated_at: SqlTimestamp;
  /**
   * The image's created_at (which never changes), for the listing's membership index; written with
   * every membership, NULL never (nullable only as SQLite added the column: migrations.ts 0006).
   */
  image_created_at: SqlTimestamp | null;
}

export interface ImageSchema {
  hash_jobs: HashJobsTable;
  image_members: ImageMembersTable;
  images: ImagesTable;
  image_properties: ImagePropertiesTable;
  image_tags: ImageTagsTable;
  image_locations: ImageLocationsTable;
}

export type ImageRow = ImagesTable;
