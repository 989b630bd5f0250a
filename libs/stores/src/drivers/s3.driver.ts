import type { S3StorePropertiesDto } from '@glance-ts/contracts';
import { StoreDriver } from './store-driver';

const MiB = 1024 * 1024;

/** Discovery only: glance-ts does not move data to S3. */
export class S3StoreDriver extends StoreDriver<'s3'> {
  properties(): S3StorePropertiesDto {
    return {
      s3_store_large_object_size: this.config.largeObjectSizeMiB * MiB,
      s3_store_large_object_chunk_size: this.config.largeObjectChunkSizeMiB * MiB,
      s3_store_thread_pools: this.config.threadPools,
    };
  }
}
