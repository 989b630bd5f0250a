/**
 * The image stores (the glance_store of glance-ts): one driver interface, a driver per store type
 * that owns its options, discovery properties and location URLs, the registry of configured stores,
 * and the errors a store raises. Framework-free.
 */
export { StoreDriver } from './drivers/store-driver';
export { createStoreDriver, type StoreDriverContext } from './drivers';
export { StoreRegistry, type StoreRegistryConfig } from './store-registry';
export * from './drivers/store-data';
export { BufferPool } from './buffer-pool';
export { FileStoreDriver, type FileStoreDriverOptions } from './drivers/file.driver';
export { FileRangeStream } from './drivers/file-range-stream';
export { HttpStoreDriver, type HttpStoreDriverOptions } from './drivers/http.driver';
export { RbdStoreDriver, type RbdStoreDriverOptions } from './drivers/rbd.driver';
export { formatRbdLocation, parseRbdLocation, RBD_SNAPSHOT, type RbdLocation } from './drivers/rbd-location';
export { CinderStoreDriver } from './drivers/cinder.driver';
export { S3StoreDriver } from './drivers/s3.driver';
export { SwiftStoreDriver } from './drivers/swift.driver';
