import type { SwiftStorePropertiesDto } from '@glance-ts/contracts';
import { StoreDriver } from './store-driver';

/** glance_store's swift driver counts a "MB" as 1,024,000 bytes (ONE_MB = 1000 * 1024). */
const SWIFT_MB = 1000 * 1024;

/** Discovery only: glance-ts does not move data to Swift. */
export class SwiftStoreDriver extends StoreDriver<'swift'> {
  properties(): SwiftStorePropertiesDto {
    return {
      // A multi-tenant store creates one container per project: there is no single name to report.
      container: this.config.multiTenant ? null : this.config.container,
      large_object_size: this.config.largeObjectSizeMB * SWIFT_MB,
      large_object_chunk_size: this.config.largeObjectChunkSizeMB * SWIFT_MB,
    };
  }
}
