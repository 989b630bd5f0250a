import type { HttpStorePropertiesDto } from '@glance-ts/contracts';
import { StoreDriver } from './store-driver';

export class HttpStoreDriver extends StoreDriver<'http'> {
  override get readOnly(): boolean {
    return true;
  }

  properties(): HttpStorePropertiesDto {
    return {};
  }
}
