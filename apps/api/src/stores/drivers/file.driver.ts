import type { FileStorePropertiesDto } from '@glance-ts/contracts';
import { StoreDriver } from './store-driver';

export class FileStoreDriver extends StoreDriver<'file'> {
  properties(): FileStorePropertiesDto {
    return {
      data_dir: this.config.dataDir,
      chunk_size: this.config.chunkSize,
      thin_provisioning: this.config.thinProvisioning,
    };
  }
}
