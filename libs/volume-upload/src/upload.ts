import { formatRbdLocation, RBD_SNAPSHOT } from '@glance-ts/stores';
import {
  CephNotFoundError,
  RBD_FEATURES,
  RadosCluster,
  type RadosPool,
  imageReadStream,
  orderForChunkSize,
} from '@glance-ts/ceph';
import type { Image } from '@glance-ts/contracts';
import {
  type ImageApiClient,
  ImageApiError,
  imageApiClientFor,
  type ImageServiceRef,
  type KeystoneImageServiceRef,
  type StoreDetail,
  type StoreDiscovery,
} from '@glance-ts/image-client';
import type { Readable } from 'node:stream';

/** The volume: an RBD image on a Ceph cluster the caller can reach with librados. */
export interface VolumeRef {
  /** ceph.conf of the volume's cluster. */
  cephConf: string;
  /** cephx user without `client.` (default `admin`); needs rwx on the volume pool and the store pool for COW. */
  user?: string | null;
  /** Keyring path when ceph.conf does not name it. */
  keyring?: string | null;
  /** Pool of the volume. */
  pool: string;
  /** RBD image name of the volume. */
  image: string;
  /** Seconds librados waits for the cluster (connect and each operation); default 30. */
  timeoutSeconds?: number;
}

export interface ImageFields {
  name: string;
  /** Default `raw`; only raw images can be copy-on-write clones. */
  diskFormat?: string;
  /** Default `bare`. */
  containerFormat?: string;
  visibility?: string;
  /** More image properties, set at creation. */
  properties?: Record<string, string>;
}

export type FlattenMode = 'never' | 'background' | 'sync';

export interface UploadVolumeOptions {
  volume: VolumeRef;
  /** The image API: a client (the CLI passes its own), a token and the endpoint, or Keystone credentials to log in with. */
  imageService: ImageApiClient | ImageServiceRef | KeystoneImageServiceRef;
  image: ImageFields;
  /** Store id; default: the store discovery marks default. */
  store?: string;
  /**
   * Try the copy-on-write clone when the store is rbd on the volume's own cluster. Default false:
   * the image service computes checksum and os_hash_value only later, in the background.
   */
  enableCloneOptimization?: boolean;
  /**
   * Detach the clone from the volume: `never` (default; the volume keeps a protected snapshot with
   * a child, so the image must be deleted, or flattened, before the volume can be), `sync` (flatten
   * before the image is registered: slower, independent at once) or `background` (after the image
   * is active; `result.flatten` resolves when done and the volume snapshot is removed).
   */
  flatten?: FlattenMode;
  /** After a failed (and rolled back) clone, upload the bytes instead. Default true. */
  fallbackToGeneric?: boolean;
  /** Reads in flight on the generic path (default 4). */
  concurrency?: number;
  /** Generic path: bytes sent so far and the total. COW: called once with (size, size). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface UploadVolumeResult {
  imageId: string;
  /** Bytes of image data (the volume's size). */
  size: number;
  path: 'cow' | 'generic';
  /** Why this path, e.g. "clone optimization is off" or "copy-on-write clone". */
  reason: string;
  /** When the clone was tried, failed and was rolled back before the generic path ran: why it failed. */
  cowError?: string;
  /** The store the image is in. */
  store: string;
  /** With flatten `background` on the COW path: resolves once the clone is flattened and the volume snapshot removed. */
  flatten?: Promise<void>;
  /** Milliseconds per step (discover, connect, createImage, snapshot, clone, …) and in total. */
  timings: { totalMs: number; [step: string]: number };
}

/** The upload failed; `cause` is the underlying error, `rollbackErrors` what could not be cleaned up. */
export class VolumeUploadError extends Error {
  constructor(
    message: string,
    options: { cause?: unknown } = {},
    /** Leftovers rollback could not remove (empty when everything it created is gone). */
    readonly rollbackErrors: string[] = [],
    /** The clone's failure, when the generic fallback failed too. */
    readonly cowError?: string,
  ) {
    super(message, options);
    this.name = 'VolumeUploadError';
  }
}

/** The name of the volume snapshot a COW image `imageId` is cloned from. */
export const cowSnapshotName = (imageId: string): string => `glance-image-${imageId}`;
/** The temporary volume snapshot the generic path reads from. */
export const uploadSnapshotName = (imageId: string): string => `glance-upload-${imageId}`;

export interface PathDecision {
  path: 'cow' | 'generic';
  reason: string;
}

/** Which path the upload takes and why, from the options, the store and the volume's cluster. */
export function choosePath(
  enableCloneOptimization: boolean,
  discovery: StoreDiscovery,
  store: StoreDetail | null,
  diskFormat: string,
  volumeFsid: string,
): PathDecision {
  if (!enableCloneOptimization) return { path: 'generic', reason: 'clone optimization is off' };
  if (!discovery.multiStore || !store) {
    return {
      path: 'generic',
      reason: `the image service does not expose store details (${discovery.multiStore ? 'no store' : discovery.message})`,
    };
  }
  if (store.type !== 'rbd') return { path: 'generic', reason: `store ${store.id} is ${store.type}, not rbd` };
  if (diskFormat !== 'raw') return { path: 'generic', reason: `disk format ${diskFormat} is not raw` };
  const fsid = store.properties.fsid;
  if (typeof fsid !== 'string' || !fsid) {
    return { path: 'generic', reason: `store ${store.id} reports no fsid (its cluster is not reachable)` };
  }
  if (fsid !== volumeFsid) {
    return {
      path: 'generic',
      reason: `store ${store.id} is on cluster ${fsid}, the volume on ${volumeFsid}`,
    };
  }
  if (typeof store.properties.pool !== 'string' || !store.properties.pool) {
    return { path: 'generic', reason: `store ${store.id} reports no pool` };
  }
  return { path: 'cow', reason: 'copy-on-write clone' };
}

/** The requested store, or the default one; null without multi-store. */
export function pickStore(discovery: StoreDiscovery, requested: string | undefined): StoreDetail | null {
  if (!discovery.multiStore) {
    if (requested) {
      throw new VolumeUploadError(
        `Store ${requested} was requested, but the image service has no multiple stores (${discovery.message})`,
      );
    }
    return null;
  }
  const { stores } = discovery;
  if (requested) {
    const found = stores.find((store) => store.id === requested);
    if (!found) {
      throw new VolumeUploadError(
        `Store ${requested} is not one of the image service's stores (${stores.map((s) => s.id).join(', ')})`,
      );
    }
    return found;
  }
  const byDefault = stores.find((store) => store.default === 'true' || store.default === true);
  if (!byDefault) throw new VolumeUploadError('The image service names no default store: pass a store');
  return byDefault;
}

/** An error in a sentence: an image API refusal names the call, status and the server's explanation. */
const message = (error: unknown): string =>
  error instanceof ImageApiError
    ? error.requestFailure
    : error instanceof Error
      ? error.message
      : String(error);

/** The image API calls of one upload, bound to the caller's signal, or to none (cleanup must run also after an abort). */
function imageCalls(client: ImageApiClient, signal?: AbortSignal) {
  const call = { signal };
  return {
    storesDetail: () => client.storesDetail(call),
    getImage: (id: string) => client.getImage(id, call),
    createImage: (fields: Record<string, unknown>) => client.createImage(fields, call),
    deleteImage: (id: string) => client.deleteImage(id, call),
    addLocation: (id: string, url: string) => client.addLocation(id, url, call),
    upload: (
      id: string,
      body: Readable,
      size: number,
      store: string | null,
      onProgress?: (bytes: number) => void,
    ) => client.uploadImageData(id, body, { size, store, signal, onProgress }),
  };
}
type ImageCalls = ReturnType<typeof imageCalls>;

class Timer {
  readonly timings: { totalMs: number; [step: string]: number } = { totalMs: 0 };
  private readonly started = performance.now();

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[name] = Math.round(((this.timings[name] ?? 0) + performance.now() - start) * 10) / 10;
    }
  }

  finish(): this['timings'] {
    this.timings.totalMs = Math.round((performance.now() - this.started) * 10) / 10;
    return this.timings;
  }
}

/** Undo actions, run newest first; errors are collected, not thrown. */
class Rollback {
  private readonly actions: { what: string; undo: () => Promise<void> }[] = [];

  push(what: string, undo: () => Promise<void>): void {
    this.actions.push({ what, undo });
  }

  async run(): Promise<string[]> {
    const errors: string[] = [];
    while (this.actions.length) {
      const { what, undo } = this.actions.pop()!;
      try {
        await undo();
      } catch (error) {
        if (!(error instanceof CephNotFoundError)) errors.push(`${what}: ${message(error)}`);
      }
    }
    return errors;
  }
}

function imageFields(image: ImageFields): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    ...(image.properties ?? {}),
    name: image.name,
    disk_format: image.diskFormat ?? 'raw',
    container_format: image.containerFormat ?? 'bare',
  };
  if (image.visibility) fields.visibility = image.visibility;
  return fields;
}

async function discover(api: ImageCalls): Promise<StoreDiscovery> {
  try {
    return await api.storesDetail();
  } catch (error) {
    if (error instanceof ImageApiError && (error.status === 403 || error.status === 404)) {
      throw new VolumeUploadError(
        `The image service refused the store details (GET /v2/info/stores/detail: ${error.status} ${error.explanation}): ` +
          'uploading a volume needs a token with the service or admin role',
        { cause: error },
      );
    }
    if (error instanceof ImageApiError && error.status === 401) {
      throw new VolumeUploadError(`The image service did not accept the token (401 ${error.explanation})`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Waits until the image is active (the location API makes it active before answering; allow a moment). */
async function confirmActive(api: ImageCalls, id: string, timeoutMs = 30_000): Promise<Image> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const image = await api.getImage(id);
    if (image.status === 'active') return image;
    if (!['queued', 'saving', 'importing'].includes(image.status ?? '') || Date.now() > deadline) {
      throw new Error(`Image ${id} is ${image.status}, not active`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Context {
  options: UploadVolumeOptions;
  api: ImageCalls;
  /** Without the caller's signal: cleanup must run also after an abort. */
  cleanupApi: ImageCalls;
  cluster: RadosCluster;
  volumePool: RadosPool;
  size: number;
  storeId: string;
  multiStore: boolean;
  timer: Timer;
}

/**
 * Turns an RBD volume into an image of the image service.
 *
 * With `enableCloneOptimization`, when the store is `rbd` on the volume's own Ceph cluster (same
 * fsid in `GET /v2/info/stores/detail`) and the disk format is raw, the image is a copy-on-write
 * clone: volume snapshot `glance-image-<id>` (protected), clone `<store pool>/<id>` with the
 * store's object size and features layering + deep-flatten, its protected snapshot `snap`, then
 * `POST /v2/images/{id}/locations` with `rbd://<fsid>/<pool>/<id>/snap`. That takes
 * milliseconds whatever the size; the image service computes the checksums later.
 *
 * Otherwise (or when the clone fails: everything it created is removed, newest first, then this
 * path runs unless `fallbackToGeneric` is false) the generic path reads a temporary snapshot of
 * the volume with several reads in flight and streams it through `PUT /v2/images/{id}/file`.
 *
 * A volume whose snapshot has a clone cannot be deleted: with flatten `never` the volume service
 * must delete the image (or flatten its clone and then unprotect and remove the volume snapshot
 * `glance-image-<id>`) before deleting the volume.
 *
 * The token needs the service or admin role (store details and the location API require it).
 * Ceph connections, pools and images are closed before this returns or rejects (with a
 * background flatten: when `result.flatten` settles).
 */
export async function uploadVolumeToImage(options: UploadVolumeOptions): Promise<UploadVolumeResult> {
  const timer = new Timer();
  const client = await imageApiClientFor(options.imageService);
  const api = imageCalls(client, options.signal);
  const cleanupApi = imageCalls(client);
  const flattenMode = options.flatten ?? 'never';
  if (!['never', 'background', 'sync'].includes(flattenMode)) {
    throw new VolumeUploadError(`flatten must be never, background or sync, not ${flattenMode}`);
  }

  const discovery = await timer.step('discoverMs', () => discover(api));
  const store = pickStore(discovery, options.store);

  const cluster = await timer.step('connectMs', () =>
    RadosCluster.connect({
      cephConf: options.volume.cephConf,
      user: options.volume.user,
      keyring: options.volume.keyring,
      timeoutSeconds: options.volume.timeoutSeconds ?? 30,
    }),
  );
  let keepCluster = false;
  try {
    const volumePool = await cluster.openPool(options.volume.pool);
    const size = await volumePool.withImage(options.volume.image, { readOnly: true }, (image) =>
      image.size(),
    );
    const context: Context = {
      options,
      api,
      cleanupApi,
      cluster,
      volumePool,
      size,
      storeId: store?.id ?? '',
      multiStore: discovery.multiStore,
      timer,
    };
    const decision = choosePath(
      options.enableCloneOptimization ?? false,
      discovery,
      store,
      options.image.diskFormat ?? 'raw',
      cluster.fsid,
    );

    let cowError: string | undefined;
    if (decision.path === 'cow' && store) {
      try {
        const cow = await copyOnWrite(context, store, flattenMode);
        if (cow.flatten) {
          keepCluster = true;
          const flatten = cow.flatten.finally(() => cluster.shutdown());
          flatten.catch(() => undefined); // the caller may not wait for it
          cow.flatten = flatten;
        }
        options.onProgress?.(size, size);
        return {
          ...cow,
          path: 'cow',
          reason: decision.reason,
          store: store.id,
          size,
          timings: timer.finish(),
        };
      } catch (error) {
        options.signal?.throwIfAborted();
        if (options.fallbackToGeneric === false) {
          if (error instanceof VolumeUploadError) throw error;
          throw new VolumeUploadError(`Copy-on-write clone failed and was rolled back: ${message(error)}`, {
            cause: error,
          });
        }
        cowError = message(error);
      }
    }
    let imageId: string;
    try {
      imageId = await generic(context);
    } catch (error) {
      if (!cowError || !(error instanceof VolumeUploadError)) throw error;
      throw new VolumeUploadError(
        `${error.message} (after the copy-on-write clone failed: ${cowError})`,
        { cause: error.cause },
        error.rollbackErrors,
        cowError,
      );
    }
    return {
      imageId,
      size,
      path: 'generic',
      reason: cowError ? `copy-on-write clone failed and was rolled back: ${cowError}` : decision.reason,
      ...(cowError ? { cowError } : {}),
      store: context.storeId || (await cleanupApi.getImage(imageId)).stores || '',
      timings: timer.finish(),
    };
  } finally {
    if (!keepCluster) await cluster.shutdown();
  }
}

async function copyOnWrite(
  context: Context,
  store: StoreDetail,
  flattenMode: FlattenMode,
): Promise<{ imageId: string; flatten?: Promise<void> }> {
  const { options, api, cleanupApi, cluster, volumePool, timer } = context;
  const storePoolName = String(store.properties.pool);
  const fsid = cluster.fsid;
  const chunkSize = Number(store.properties.chunk_size ?? 8 * 1024 * 1024);
  const rollback = new Rollback();
  let imageId = '';
  try {
    const created = await timer.step('createImageMs', () => api.createImage(imageFields(options.image)));
    imageId = created.id;
    let imageDeleted = false;
    rollback.push(`delete image ${imageId}`, async () => {
      if (!imageDeleted) await cleanupApi.deleteImage(imageId);
    });

    const volumeSnapshot = cowSnapshotName(imageId);
    await timer.step('snapshotMs', () =>
      volumePool.withImage(options.volume.image, {}, async (volume) => {
        await volume.createSnapshot(volumeSnapshot);
        rollback.push(`remove snapshot ${volumePool.name}/${options.volume.image}@${volumeSnapshot}`, () =>
          volumePool.withImage(options.volume.image, {}, (image) => image.removeSnapshot(volumeSnapshot)),
        );
        await volume.protectSnapshot(volumeSnapshot);
        rollback.push(`unprotect snapshot ${volumePool.name}/${options.volume.image}@${volumeSnapshot}`, () =>
          volumePool.withImage(options.volume.image, {}, (image) => image.unprotectSnapshot(volumeSnapshot)),
        );
      }),
    );
    options.signal?.throwIfAborted();

    const storePool = await cluster.openPool(storePoolName);
    await timer.step('cloneMs', () =>
      storePool.cloneFrom(
        { pool: volumePool, image: options.volume.image, snapshot: volumeSnapshot },
        imageId,
        {
          order: orderForChunkSize(chunkSize),
          features: RBD_FEATURES.LAYERING | RBD_FEATURES.DEEP_FLATTEN,
        },
      ),
    );
    rollback.push(`remove clone ${storePoolName}/${imageId}`, () => storePool.removeImage(imageId));
    options.signal?.throwIfAborted();

    await storePool.withImage(imageId, {}, async (clone) => {
      if (flattenMode === 'sync') await timer.step('flattenMs', () => clone.flatten());
      await timer.step('cloneSnapshotMs', async () => {
        await clone.createSnapshot(RBD_SNAPSHOT);
        rollback.push(`remove snapshot ${storePoolName}/${imageId}@${RBD_SNAPSHOT}`, () =>
          storePool.withImage(imageId, {}, (image) => image.removeSnapshot(RBD_SNAPSHOT)),
        );
        await clone.protectSnapshot(RBD_SNAPSHOT);
        rollback.push(`unprotect snapshot ${storePoolName}/${imageId}@${RBD_SNAPSHOT}`, () =>
          storePool.withImage(imageId, {}, (image) => image.unprotectSnapshot(RBD_SNAPSHOT)),
        );
      });
    });
    if (flattenMode === 'sync') {
      // Deep-flatten detached the clone and its snapshot: the volume snapshot has no child left.
      await timer.step('removeVolumeSnapshotMs', () => removeVolumeSnapshot(context, volumeSnapshot));
    }
    options.signal?.throwIfAborted();

    const url = formatRbdLocation({ fsid, pool: storePoolName, image: imageId, snapshot: RBD_SNAPSHOT });
    // From here the image service owns the clone: deleting the image record removes it.
    rollback.push(`delete image ${imageId} (with its location)`, async () => {
      await cleanupApi.deleteImage(imageId);
      imageDeleted = true;
    });
    await timer.step('addLocationMs', () => api.addLocation(imageId, url));
    await timer.step('confirmMs', () => confirmActive(api, imageId));

    await storePool.close();

    if (flattenMode !== 'background') return { imageId };
    const flatten = (async () => {
      await cluster.withPool(storePoolName, (pool) =>
        pool.withImage(imageId, {}, (clone) => timer.step('flattenMs', () => clone.flatten())),
      );
      await removeVolumeSnapshot(context, volumeSnapshot);
    })();
    return { imageId, flatten };
  } catch (error) {
    const leftovers = await rollback.run();
    if (leftovers.length) {
      throw new VolumeUploadError(
        `Copy-on-write clone failed (${message(error)}); rollback left: ${leftovers.join('; ')}`,
        { cause: error },
        leftovers,
      );
    }
    throw error;
  }
}

async function removeVolumeSnapshot(context: Context, snapshot: string): Promise<void> {
  await context.volumePool.withImage(context.options.volume.image, {}, async (volume) => {
    await volume.unprotectSnapshot(snapshot);
    await volume.removeSnapshot(snapshot);
  });
}

async function generic(context: Context): Promise<string> {
  const { options, api, cleanupApi, volumePool, timer } = context;
  const rollback = new Rollback();
  try {
    const created = await timer.step('createImageMs', () => api.createImage(imageFields(options.image)));
    const imageId = created.id;
    rollback.push(`delete image ${imageId}`, () => cleanupApi.deleteImage(imageId));

    // A snapshot gives a consistent read while the volume may still be written to.
    const snapshot = uploadSnapshotName(imageId);
    await timer.step('snapshotMs', () =>
      volumePool.withImage(options.volume.image, {}, (volume) => volume.createSnapshot(snapshot)),
    );
    let snapshotRemoved = false;
    rollback.push(`remove snapshot ${volumePool.name}/${options.volume.image}@${snapshot}`, async () => {
      if (!snapshotRemoved)
        await volumePool.withImage(options.volume.image, {}, (volume) => volume.removeSnapshot(snapshot));
    });

    const source = await volumePool.openImage(options.volume.image, { snapshot, readOnly: true });
    const size = await source.size().catch(async (error: unknown) => {
      await source.close();
      throw error;
    });
    const read = imageReadStream(source, size, { concurrency: options.concurrency ?? 4 }); // closes `source`
    const onProgress = options.onProgress && ((sent: number) => options.onProgress?.(sent, size));
    await timer.step('uploadMs', async () => {
      try {
        await api.upload(imageId, read, size, context.multiStore ? context.storeId : null, onProgress);
      } finally {
        read.destroy();
        await source.close();
      }
    });
    timer.timings.uploadBytes = size;

    await timer.step('removeSnapshotMs', () =>
      volumePool.withImage(options.volume.image, {}, (volume) => volume.removeSnapshot(snapshot)),
    );
    snapshotRemoved = true;
    await timer.step('confirmMs', () => confirmActive(api, imageId));
    return imageId;
  } catch (error) {
    const leftovers = await rollback.run();
    throw new VolumeUploadError(
      `Uploading volume ${volumePool.name}/${options.volume.image} failed: ${message(error)}` +
        (leftovers.length ? `; rollback left: ${leftovers.join('; ')}` : ''),
      { cause: error },
      leftovers,
    );
  }
}
