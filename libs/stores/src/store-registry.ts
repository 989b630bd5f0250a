import type { StoreDetailDto, StoreDto, StoresDetailDto, StoresDto } from '@glance-ts/contracts';
import type { GlanceConfig } from '@glance-ts/config';
import { createStoreDriver, type StoreDriverContext } from './drivers';
import type { StoreDriver } from './drivers/store-driver';

/** What the registry needs of the config; `singleStore` may be left out (no single store). */
export type StoreRegistryConfig = Pick<GlanceConfig, 'multiStore' | 'stores' | 'defaultBackend'> &
  Partial<Pick<GlanceConfig, 'singleStore'>>;

/**
 * The configured stores, in `enabled_backends` order, and their discovery documents. A driver that
 * learns new properties (an rbd cluster's fsid once it is reachable) is reported through
 * `onDiscoveryChanged`, so a caller may cache what it built from `list()` and `detail()`.
 *
 * Image data goes to the data stores: the enabled_backends stores, or, without enabled_backends, the
 * one store built from [glance_store] (Glance's single-store mode), which discovery never lists.
 */
export class StoreRegistry {
  readonly multiStore: boolean;
  readonly defaultStoreId: string | null;
  private readonly drivers: readonly StoreDriver[];
  private readonly singleStoreDriver: StoreDriver | null;
  private readonly discoveryListeners = new Set<() => void>();

  constructor(config: StoreRegistryConfig, context?: StoreDriverContext) {
    this.multiStore = config.multiStore;
    this.defaultStoreId = config.defaultBackend;
    this.drivers = config.stores.map((store) => createStoreDriver(store, context));
    for (const driver of this.drivers)
      driver.onPropertiesChanged(() => {
        for (const listener of this.discoveryListeners) listener();
      });
    this.singleStoreDriver =
      !config.multiStore && config.singleStore ? createStoreDriver(config.singleStore, context) : null;
  }

  /** The stores discovery reports (enabled_backends; empty without multi-store). */
  get stores(): readonly StoreDriver[] {
    return this.drivers;
  }

  get(id: string): StoreDriver | undefined {
    return this.drivers.find((driver) => driver.id === id);
  }

  /** The stores image data is written to and read from. */
  get dataStores(): readonly StoreDriver[] {
    if (this.multiStore) return this.drivers;
    return this.singleStoreDriver ? [this.singleStoreDriver] : [];
  }

  /** Where an upload goes when the client names no store: default_backend, or the single store. */
  defaultDataStore(): StoreDriver | undefined {
    if (!this.multiStore) return this.singleStoreDriver ?? undefined;
    return this.defaultStoreId === null ? undefined : this.get(this.defaultStoreId);
  }

  /** A data store by id (the single store's id is its type, e.g. `file`). */
  getDataStore(id: string): StoreDriver | undefined {
    return this.dataStores.find((driver) => driver.id === id);
  }

  /** The first data store that can read `url` (the order of enabled_backends decides overlaps). */
  storeForLocation(url: string): StoreDriver | undefined {
    return this.dataStores.find((driver) => driver.owns(url));
  }

  /**
   * Whether an http store is configured: Glance's condition for callers without the service role
   * to add locations at all (`utils.is_http_store_configured`).
   */
  get hasHttpStore(): boolean {
    return this.dataStores.some((driver) => driver.type === 'http');
  }

  /**
   * Locations in Glance's order of preference (`sort_image_locations`): by their store's weight,
   * highest first, keeping the recorded order among equals; a location naming no known store
   * weighs 0. Without multi-store the order is the recorded one.
   */
  sortByWeight<T extends { metadata: Record<string, unknown> }>(locations: readonly T[]): T[] {
    if (!this.multiStore) return [...locations];
    const weight = (location: T) => {
      const id = location.metadata.store;
      return typeof id === 'string' ? (this.get(id)?.config.weight ?? 0) : 0;
    };
    return locations
      .map((location, index) => ({ location, index, weight: weight(location) }))
      .sort((a, b) => b.weight - a.weight || a.index - b.index)
      .map((entry) => entry.location);
  }

  async start(): Promise<void> {
    await Promise.all(this.allDrivers().map((driver) => driver.start()));
  }

  async close(): Promise<void> {
    await Promise.all(this.allDrivers().map((driver) => driver.close()));
  }

  /** Discovery lists every configured store: configuration refuses Glance's reserved ids (`os_glance_*`). */
  list(): StoresDto {
    return { stores: this.drivers.map((driver) => this.listEntry(driver)) };
  }

  detail(): StoresDetailDto {
    return {
      stores: this.drivers.map((driver): StoreDetailDto => ({
        ...this.listEntry(driver),
        type: driver.type,
        properties: driver.properties(),
        weight: driver.config.weight,
      })),
    };
  }

  /** Calls `listener` whenever `list()` or `detail()` may have changed; returns its removal. */
  onDiscoveryChanged(listener: () => void): () => void {
    this.discoveryListeners.add(listener);
    return () => this.discoveryListeners.delete(listener);
  }

  /** Keys in Glance's order: id, description, default, read-only; flags are the string "true". */
  private listEntry(driver: StoreDriver): StoreDto {
    const entry: StoreDto = { id: driver.id };
    if (driver.config.description) entry.description = driver.config.description;
    if (driver.id === this.defaultStoreId) entry.default = 'true';
    if (driver.readOnly) entry['read-only'] = 'true';
    return entry;
  }

  private allDrivers(): StoreDriver[] {
    return this.singleStoreDriver ? [...this.drivers, this.singleStoreDriver] : [...this.drivers];
  }
}
