/**
 * glance-ts's Ceph client: a typed, asynchronous binding to librados and librbd through koffi.
 * Every call that can wait on the cluster runs on a pool thread, never on the event loop; handles
 * are freed only after the calls running on them return. Framework-free.
 */
export { RadosCluster, type RadosConnectOptions } from './cluster';
export { RBD_FEATURES } from './native';
export { RadosPool, orderForChunkSize, type CreateImageOptions, type SnapshotRef } from './pool';
export {
  RbdImage,
  type ChildImage,
  type OpenImageOptions,
  type ParentSnapshot,
  type SnapshotInfo,
} from './image';
export {
  CephBusyError,
  CephError,
  CephExistsError,
  CephInvalidError,
  CephLibraryMissingError,
  CephNoSpaceError,
  CephNotFoundError,
  CephPermissionError,
  CephReadOnlyError,
  CephUnavailableError,
  cephError,
} from './errors';
export {
  DEFAULT_IO_CONCURRENCY,
  ImageRangeStream,
  imageReadStream,
  writeStreamToImage,
  type ImageReadStreamOptions,
  type ImageWriteOptions,
} from './streams';
