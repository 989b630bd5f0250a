import type { StoreType } from '@glance-ts/contracts';
import type { StoreConfig } from '@glance-ts/config';
import { CinderStoreDriver } from './cinder.driver';
import { FileStoreDriver } from './file.driver';
import { HttpStoreDriver } from './http.driver';
import { RbdStoreDriver } from './rbd.driver';
import { S3StoreDriver } from './s3.driver';
import type { StoreDriver } from './store-driver';
import { SwiftStoreDriver } from './swift.driver';

/** What drivers get besides their config. */
export interface StoreDriverContext {
  logger: { log(message: string): void; warn(message: string): void };
  /** Networks the http store may reach although they are not public (`[import_filtering_opts] allowed_networks`). */
  allowedNetworks?: readonly string[];
}

const SILENT: StoreDriverContext = { logger: { log: () => undefined, warn: () => undefined } };

type DriverFactory = (config: StoreConfig, context: StoreDriverContext) => StoreDriver;

/** One entry per store type: adding a driver is adding a line here. */
const DRIVER_FACTORIES: Record<StoreType, DriverFactory> = {
  rbd: (config, context) => new RbdStoreDriver(config as Extract<StoreConfig, { type: 'rbd' }>, context),
  file: (config) => new FileStoreDriver(config as Extract<StoreConfig, { type: 'file' }>),
  http: (config, context) =>
    new HttpStoreDriver(config as Extract<StoreConfig, { type: 'http' }>, {
      allowedNetworks: context.allowedNetworks,
    }),
  cinder: (config) => new CinderStoreDriver(config as Extract<StoreConfig, { type: 'cinder' }>),
  swift: (config) => new SwiftStoreDriver(config as Extract<StoreConfig, { type: 'swift' }>),
  s3: (config) => new S3StoreDriver(config as Extract<StoreConfig, { type: 's3' }>),
};

export const createStoreDriver = (config: StoreConfig, context: StoreDriverContext = SILENT): StoreDriver =>
  DRIVER_FACTORIES[config.type](config, context);
