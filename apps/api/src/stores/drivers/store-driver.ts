import type { StorePropertiesByType, StoreType } from '@glance-ts/contracts';
import type { StoreConfig } from '@glance-ts/config';

type ConfigOf<T extends StoreType> = Extract<StoreConfig, { type: T }>;

/**
 * A configured store. Each driver owns its discovery properties: the registry never looks inside a
 * store's config, so a driver that learns something at run time (rbd: the cluster fsid once
 * connected) reports it by calling `propertiesChanged()`.
 */
export abstract class StoreDriver<T extends StoreType = StoreType> {
  private readonly listeners = new Set<() => void>();

  constructor(readonly config: ConfigOf<T>) {}

  get id(): string {
    return this.config.id;
  }

  get type(): T {
    return this.config.type as T;
  }

  /** Read-only stores (http) accept no uploads; discovery flags them. */
  get readOnly(): boolean {
    return false;
  }

  /** Discovery properties in Glance's key order. Never credentials. */
  abstract properties(): StorePropertiesByType[T];

  /** Opens long-lived resources (connections). Must not block start-up on an unreachable peer. */
  async start(): Promise<void> {}

  async close(): Promise<void> {}

  onPropertiesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected propertiesChanged(): void {
    for (const listener of this.listeners) listener();
  }
}
