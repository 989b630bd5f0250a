/**
 * glance-ts image metadata storage: the ImageRepository interface and its SQLite / PostgreSQL
 * implementation over Kysely, with the schema applied by versioned migrations at open.
 * Framework-free: the API service, tools and tests can all use it.
 */
export type {
  DateFilter,
  ImageChanges,
  ImageCore,
  ImageListQuery,
  ImageLocation,
  ImageRecord,
  ImageStatus,
  ImageVisibility,
  ImageWriteResult,
  ListScope,
  NewImage,
  ReleasedLocation,
  SortKey,
  SortSpec,
  UploadInProgress,
  UploadLease,
} from './types';
export { IMAGE_CORE_DEFAULTS, IMAGE_CORE_KEYS } from './types';
export type { ImageRepository } from './image-repository';
export type { HashJob, HashJobRepository, NewHashJob } from './hash-job-repository';
export { DatabaseError, DuplicateImageError, MarkerNotFoundError, SharedDataError } from './errors';
export { locationDataKey } from './location-data';
export { classifyDatabaseError, DatabaseUnavailableError, isDatabaseUnavailable } from './availability';
export {
  type DatabaseLogger,
  type DatabaseTarget,
  describeDatabaseTarget,
  type ImageDatabase,
  maskPassword,
  openImageDatabase,
  type OpenImageDatabaseOptions,
} from './database';
export type { DatabaseDialect } from './sql-dialect';
export { KyselyImageRepository, type KyselyImageRepositoryOptions } from './kysely-image-repository';
export type { ImageSchema } from './schema';
export { imageMigrations } from './migrations';
export {
  DuplicateMemberError,
  type ImageMember,
  type ImageMemberRepository,
  KyselyImageMemberRepository,
  MEMBER_STATUSES,
  MemberLimitError,
  type MemberStatus,
} from './member-repository';
export { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-connection';
export { DEFAULT_POSTGRES_POOL_SIZE } from './postgres-connection';
