import type { Readable } from 'node:stream';
import {
  CephBusyError,
  CephError,
  CephExistsError,
  CephNoSpaceError,
  CephNotFoundError,
  CephPermissionError,
  CephUnavailableError,
  DEFAULT_IO_CONCURRENCY,
  type RadosPool,
  imageReadStream,
  orderForChunkSize,
  writeStreamToImage,
} from '@glance-ts/ceph';
import type { RbdStoreConfig } from '@glance-ts/config';
import type { RbdStorePropertiesDto } from '@glance-ts/contracts';
import { RbdClusterLink, type RbdClusterLinkOptions } from './rbd-cluster-link';
import { formatRbdLocation, parseRbdLocation, RBD_SNAPSHOT, type RbdLocation } from './rbd-location';
import {
  StoreBadLocationError,
  StoreDuplicateError,
  StoreError,
  StoreFullError,
  StoreInUseError,
  StoreNotFoundError,
  type StoredImage,
  type StoreReadOptions,
  type StoreReadResult,
  StoreUnavailableError,
  type StoreWriteOptions,
  StoreWriteDeniedError,
} from './store-data';
import { StoreDriver } from './store-driver';
import { BufferPool } from '../buffer-pool';

const MiB = 1024 * 1024;

export interface RbdStoreDriverOptions {
  logger?: RbdClusterLinkOptions['logger'];
  /** Probe timings, for tests that stop and restart the cluster. */
  probe?: Pick<RbdClusterLinkOptions, 'probeIntervalMs' | 'probeIntervalDownMs' | 'probeTimeoutMs'>;
}

/**
 * Images in a Ceph RBD pool, written and read in-process through librbd: image `<image id>` with a
 * protected snapshot `snap` holding the data, location `rbd://<fsid>/<pool>/<image id>/snap`, as
 * Glance's rbd store lays them out, so that volumes and other images can be cloned from them.
 */
export class RbdStoreDriver extends StoreDriver<'rbd'> {
  private clusterFsid: string | null = null;
  private readonly link: RbdClusterLink;
  private readonly chunkSize: number;
  /**
   * Upload pieces (one RBD object each), reused across uploads: one upload's worth is kept. Each
   * upload allocated its own before, (concurrency + 1) × 8 MiB: a 1 GiB upload then cost 9-10 full
   * GCs (V8 mark-compacts), 3 since.
   */
  private readonly writePieces: BufferPool;
  private readonly logger: RbdClusterLinkOptions['logger'];

  constructor(config: RbdStoreConfig, options: RbdStoreDriverOptions = {}) {
    super(config);
    this.chunkSize = config.chunkSizeMiB * MiB;
    this.writePieces = new BufferPool(this.chunkSize, DEFAULT_IO_CONCURRENCY + 1);
    this.logger = options.logger ?? { log: () => undefined, warn: () => undefined };
    this.link = new RbdClusterLink({
      storeId: config.id,
      cephConf: config.cephConf,
      user: config.user,
      pool: config.pool,
      connectTimeoutSeconds: config.connectTimeoutSeconds,
      logger: this.logger,
      onFsid: (fsid) => this.setClusterFsid(fsid),
      ...options.probe,
    });
  }

  properties(): RbdStorePropertiesDto {
    return {
      chunk_size: this.chunkSize,
      pool: this.config.pool,
      thin_provisioning: this.config.thinProvisioning,
      // Glance HEAD reports the live cluster's fsid; null until the cluster has been reached.
      fsid: this.clusterFsid,
    };
  }

  override async start(): Promise<void> {
    this.link.start();
  }

  override async close(): Promise<void> {
    await this.link.close();
  }

  override owns(url: string): boolean {
    const location = parseRbdLocation(url);
    if (typeof location === 'string') return false;
    if (location.pool !== null && location.pool !== this.config.pool) return false;
    // Before the cluster was first reached its fsid is unknown: the pool alone decides.
    return location.fsid === null || this.clusterFsid === null || location.fsid === this.clusterFsid;
  }

  /**
   * Creates image `<imageId>`, streams the data in (several writes in flight, all-zero chunks
   * skipped with thin provisioning), then snapshots and protects it. Any failure removes what was
   * created, snapshot included.
   */
  override async add(imageId: string, data: Readable, options: StoreWriteOptions = {}): Promise<StoredImage> {
    const pool = this.link.pool();
    const fsid = this.clusterFsid!;
    const url = formatRbdLocation({ fsid, pool: this.config.pool, image: imageId, snapshot: RBD_SNAPSHOT });
    options.signal?.throwIfAborted();
    const initialSize = options.expectedSize ?? 0;
    try {
      await pool.createImage(imageId, initialSize, { order: orderForChunkSize(this.chunkSize) });
    } catch (error) {
      if (error instanceof CephExistsError) throw new StoreDuplicateError(this.id, url);
      throw this.storeError(error, url);
    }
    let size = 0;
    try {
      await pool.withImage(imageId, {}, async (image) => {
        size = await writeStreamToImage(image, data, {
          chunkSize: this.chunkSize,
          skipZeroChunks: this.config.thinProvisioning,
          imageSize: initialSize,
          signal: options.signal,
          pieces: this.writePieces,
        });
        await image.flush();
        await image.createSnapshot(RBD_SNAPSHOT);
        await image.protectSnapshot(RBD_SNAPSHOT);
      });
    } catch (error) {
      await this.purge(pool, imageId).catch((cleanupError: unknown) =>
        this.warn(
          `could not remove the partial image ${this.config.pool}/${imageId}: ${String(cleanupError)}`,
        ),
      );
      if (options.signal?.aborted) throw options.signal.reason;
      throw this.storeError(error, url);
    }
    return { url, size, metadata: {} };
  }

  override uploadLocation(imageId: string): string | null {
    if (this.clusterFsid === null) return null;
    return formatRbdLocation({
      fsid: this.clusterFsid,
      pool: this.config.pool,
      image: imageId,
      snapshot: RBD_SNAPSHOT,
    });
  }

  /**
   * A crashed upload left RBD image `<imageId>`, with or without its snapshot: it is removed (all of
   * it is the upload's own data; librbd writes in place, there is no separate temporary). A
   * snapshot with clones keeps it (CephBusyError, reported as in use).
   */
  override async discardUpload(imageId: string, options: { finalData: boolean }): Promise<void> {
    if (!options.finalData) return;
    const pool = this.link.pool();
    try {
      await this.purge(pool, imageId);
    } catch (error) {
      throw this.storeError(error, `rbd://${this.config.pool}/${imageId}`);
    }
  }

  override async get(url: string, options: StoreReadOptions = {}): Promise<StoreReadResult> {
    const location = this.parse(url);
    const pool = this.link.pool();
    let image;
    try {
      image = await pool.openImage(location.image, { snapshot: location.snapshot, readOnly: true });
    } catch (error) {
      if (error instanceof CephNotFoundError) throw new StoreNotFoundError(this.id, url, { cause: error });
      throw this.storeError(error, url);
    }
    try {
      const size = await image.size();
      const reportFailure = (error: unknown) => this.link.reportFailure(error);
      // A Readable (one read per RBD object: fewer, larger buffers), and a BufferSource for
      // downloads, which read into pooled buffers with a few reads ahead.
      const stream = imageReadStream(image, size, {
        offset: options.offset,
        length: options.length,
        chunkSize: this.chunkSize,
        onReadError: reportFailure,
      });
      stream.on('error', reportFailure);
      return { size, stream };
    } catch (error) {
      await image.close().catch(() => undefined);
      throw this.storeError(error, url);
    }
  }

  /**
   * A location given by a client (the location API): it must name this store's cluster (fsid) and
   * pool and a snapshot that exists, since the image's data must not change after it is active.
   */
  override async inspectLocation(url: string): Promise<{ size: number }> {
    const location = this.parse(url);
    const pool = this.link.pool();
    if (location.fsid === null || location.snapshot === null) {
      throw new StoreBadLocationError(
        this.id,
        url,
        'an rbd location must be rbd://<fsid>/<pool>/<image>/<snapshot>',
      );
    }
    if (location.fsid !== this.clusterFsid) {
      throw new StoreBadLocationError(
        this.id,
        url,
        `fsid ${location.fsid} is not the fsid of store ${this.id}'s cluster (${this.clusterFsid})`,
      );
    }
    try {
      return await pool.withImage(
        location.image,
        { snapshot: location.snapshot, readOnly: true },
        async (image) => ({
          size: await image.size(),
        }),
      );
    } catch (error) {
      if (error instanceof CephNotFoundError) {
        throw new StoreBadLocationError(
          this.id,
          url,
          `no snapshot ${location.snapshot} of image ${location.image} in pool ${this.config.pool}`,
        );
      }
      throw this.storeError(error, url);
    }
  }

  /**
   * Refuses (StoreInUseError) when a snapshot of the image has clones: a volume or another image
   * depends on it, and removing nothing is the only safe answer.
   */
  override async assertDeletable(url: string): Promise<void> {
    const location = this.parse(url);
    const pool = this.link.pool();
    try {
      await this.assertNoClones(pool, location.image, url);
    } catch (error) {
      if (error instanceof CephNotFoundError) return;
      throw this.storeError(error, url);
    }
  }

  /** Unprotects and removes the snapshots, then the image; a clone of any snapshot → StoreInUseError. */
  override async delete(url: string): Promise<void> {
    const location = this.parse(url);
    const pool = this.link.pool();
    try {
      await this.assertNoClones(pool, location.image, url);
      await this.purge(pool, location.image);
    } catch (error) {
      if (error instanceof CephNotFoundError) return;
      throw this.storeError(error, url);
    }
  }

  private async assertNoClones(pool: RadosPool, name: string, url: string): Promise<void> {
    await pool.withImage(name, { readOnly: true }, async (image) => {
      for (const snapshot of await image.listSnapshots()) {
        if (!(await image.isSnapshotProtected(snapshot.name))) continue;
        await image.setSnapshot(snapshot.name);
        const children = await image.listChildren();
        if (children.length > 0) {
          const names = children.map((child) => `${child.pool}/${child.image}`).join(', ');
          throw new StoreInUseError(this.id, url, {
            cause: new Error(`${name}@${snapshot.name} has clones: ${names}`),
          });
        }
      }
    });
  }

  /** Removes an image and all its snapshots; CephBusyError (→ in use) when a snapshot has clones. */
  private async purge(pool: RadosPool, name: string): Promise<void> {
    try {
      await pool.withImage(name, {}, async (image) => {
        for (const snapshot of await image.listSnapshots()) {
          if (await image.isSnapshotProtected(snapshot.name)) await image.unprotectSnapshot(snapshot.name);
          await image.removeSnapshot(snapshot.name);
        }
      });
      await pool.removeImage(name);
    } catch (error) {
      if (error instanceof CephNotFoundError) return;
      throw error;
    }
  }

  private parse(url: string): RbdLocation & { snapshot: string | null } {
    const location = parseRbdLocation(url);
    if (typeof location === 'string') throw new StoreBadLocationError(this.id, url, location);
    if (location.pool !== null && location.pool !== this.config.pool) {
      throw new StoreBadLocationError(
        this.id,
        url,
        `pool ${location.pool} is not this store's pool ${this.config.pool}`,
      );
    }
    return location;
  }

  /** Ceph errors as the store errors the images service maps to Glance's answers. */
  private storeError(error: unknown, url: string): unknown {
    if (error instanceof StoreError) return error;
    if (!(error instanceof CephError)) return error;
    this.link.reportFailure(error);
    if (error instanceof CephBusyError) return new StoreInUseError(this.id, url, { cause: error });
    if (error instanceof CephNoSpaceError)
      return new StoreFullError(`Store ${this.id} is full: ${error.message}`, this.id);
    if (error instanceof CephPermissionError) {
      return new StoreWriteDeniedError(`Ceph refused the operation: ${error.message}`, this.id, {
        cause: error,
      });
    }
    if (error instanceof CephUnavailableError) {
      return new StoreUnavailableError(
        `Store ${this.id}: the Ceph cluster did not answer: ${error.message}`,
        this.id,
        {
          cause: error,
        },
      );
    }
    return new StoreUnavailableError(`Store ${this.id}: ${error.message}`, this.id, { cause: error });
  }

  private warn(message: string): void {
    this.logger.warn(`store ${this.id}: ${message}`);
  }

  private setClusterFsid(fsid: string): void {
    if (fsid === this.clusterFsid) return;
    this.clusterFsid = fsid;
    this.propertiesChanged();
  }
}
