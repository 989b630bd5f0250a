import type { CinderStorePropertiesDto } from '@glance-ts/contracts';
import { StoreDriver } from './store-driver';

/** Discovery only: glance-ts does not move data to Cinder volumes. */
export class CinderStoreDriver extends StoreDriver<'cinder'> {
  properties(): CinderStorePropertiesDto {
    return { volume_type: this.config.volumeType, use_multipath: this.config.useMultipath };
  }
}
