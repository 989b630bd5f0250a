import type { StoreDetailDto, StoreDto, StoresDetailDto, StoresDto } from '@glance-ts/contracts';
import { type GlanceConfig, RESERVED_STORE_PREFIX } from '@glance-ts/config';
import { pythonJsonBody } from '../http/python-json';
import { createStoreDriver, type StoreDriver } from './drivers';

/**
 * The configured stores, in `enabled_backends` order, and their discovery documents. The JSON
 * bodies are built once and rebuilt only when a driver reports new properties, so discovery costs
 * no serialisation per request.
 */
export class StoreRegistry {
  readonly multiStore: boolean;
  readonly defaultStoreId: string | null;
  private readonly drivers: readonly StoreDriver[];
  private cachedListBody: Buffer | null = null;
  private cachedDetailBody: Buffer | null = null;

  constructor(config: Pick<GlanceConfig, 'multiStore' | 'stores' | 'defaultBackend'>) {
    this.multiStore = config.multiStore;
    this.defaultStoreId = config.defaultBackend;
    this.drivers = config.stores.map(createStoreDriver);
    for (const driver of this.drivers) driver.onPropertiesChanged(() => this.invalidate());
  }

  get stores(): readonly StoreDriver[] {
    return this.drivers;
  }

  get(id: string): StoreDriver | undefined {
    return this.drivers.find((driver) => driver.id === id);
  }

  async start(): Promise<void> {
    await Promise.all(this.drivers.map((driver) => driver.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.drivers.map((driver) => driver.close()));
  }

  list(): StoresDto {
    return { stores: this.visible().map((driver) => this.listEntry(driver)) };
  }

  detail(): StoresDetailDto {
    return {
      stores: this.visible().map((driver): StoreDetailDto => ({
        ...this.listEntry(driver),
        type: driver.type,
        properties: driver.properties(),
        weight: driver.config.weight,
      })),
    };
  }

  listBody(): Buffer {
    return (this.cachedListBody ??= pythonJsonBody(this.list()));
  }

  detailBody(): Buffer {
    return (this.cachedDetailBody ??= pythonJsonBody(this.detail()));
  }

  /** Config refuses reserved ids; filtering again keeps internal stores (a later issue) unlisted. */
  private visible(): StoreDriver[] {
    return this.drivers.filter((driver) => !driver.id.startsWith(RESERVED_STORE_PREFIX));
  }

  /** Keys in Glance's order: id, description, default, read-only; flags are the string "true". */
  private listEntry(driver: StoreDriver): StoreDto {
    const entry: StoreDto = { id: driver.id };
    if (driver.config.description) entry.description = driver.config.description;
    if (driver.id === this.defaultStoreId) entry.default = 'true';
    if (driver.readOnly) entry['read-only'] = 'true';
    return entry;
  }

  private invalidate(): void {
    this.cachedListBody = null;
    this.cachedDetailBody = null;
  }
}
