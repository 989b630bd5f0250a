import type { Readable } from 'node:stream';
import type { StorePropertiesByType, StoreType } from '@glance-ts/contracts';
import type { StoreConfig } from '@glance-ts/config';
import {
  type StoredImage,
  type StoreReadOptions,
  type StoreReadResult,
  type StoreWriteOptions,
  StoreBadLocationError,
  StoreReadOnlyError,
  StoreUnsupportedError,
} from './store-data';

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

  /**
   * Writes an image's data and returns where it lives. The stream is consumed chunk by chunk (never
   * buffered whole); `options.signal` aborts it. On any failure, including an abort or a source
   * error, nothing is left in the store and the promise rejects with the cause.
   */
  async add(_imageId: string, _data: Readable, _options: StoreWriteOptions = {}): Promise<StoredImage> {
    if (this.readOnly) throw new StoreReadOnlyError(this.id);
    throw new StoreUnsupportedError(this.id, this.type, 'add');
  }

  /** True when `url` is a location this store can read (its scheme and, for file, its data dir). */
  owns(_url: string): boolean {
    return false;
  }

  /**
   * Opens image data for reading: the whole image or `offset`/`length` of it. The size is known
   * before the first byte so the API can send Content-Length and answer 416.
   */
  async get(_url: string, _options: StoreReadOptions = {}): Promise<StoreReadResult> {
    throw new StoreUnsupportedError(this.id, this.type, 'get');
  }

  /**
   * Checks that `url` is a location of this store with data there, and returns the data's size:
   * what the location API needs before it lets an image point at the data. StoreBadLocationError
   * when the URL is not this store's, StoreNotFoundError when nothing is there.
   */
  async inspectLocation(url: string): Promise<{ size: number }> {
    if (!this.owns(url)) throw new StoreBadLocationError(this.id, url, `not a location of store ${this.id}`);
    const { size, stream } = await this.get(url, { offset: 0, length: 0 });
    stream.destroy();
    return { size };
  }

  /**
   * Rejects with StoreInUseError when the data at `url` must not be removed because something outside
   * glance-ts depends on it (rbd: clones of its snapshot). Checked for every location before an image
   * is deleted, so that a refused delete changes nothing.
   */
  async assertDeletable(_url: string): Promise<void> {}

  /**
   * The location an upload of `imageId` to this store creates (null for stores that take no
   * uploads): what a crashed upload may have left data at.
   */
  uploadLocation(_imageId: string): string | null {
    return null;
  }

  /**
   * Removes what an upload of `imageId` that will never finish left behind (its process died, or
   * stopped heart-beating): its temporary data, and with `finalData` the data at uploadLocation,
   * which no image refers to. `ownerPid` narrows temporary data to that process's when the store
   * can tell. Nothing there is not an error.
   */
  async discardUpload(
    _imageId: string,
    _options: { finalData: boolean; ownerPid: number | null },
  ): Promise<void> {}

  /** Removes image data. A location that is already gone is not an error (StoreNotFoundError is for get). */
  async delete(_url: string): Promise<void> {
    if (this.readOnly) return;
    throw new StoreUnsupportedError(this.id, this.type, 'delete');
  }

  async close(): Promise<void> {}

  onPropertiesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected propertiesChanged(): void {
    for (const listener of this.listeners) listener();
  }
}
