import koffi from 'koffi';
import type { RadosCluster } from './cluster';
import { CephNotFoundError, cephError } from './errors';
import { RbdImage, type OpenImageOptions } from './image';
import { RBD_FEATURE_LAYERING, RBD_IMAGE_OPTION, callAsync, cephNative } from './native';
import { ResourceGuard } from './resource-guard';

const ERANGE = 34;

export interface CreateImageOptions {
  /** log2 of the object size: 23 = 8 MiB objects (`orderForChunkSize`). Default: the cluster's (22). */
  order?: number;
  /** RBD feature bits; default layering only, which clones need and every client can map. */
  features?: bigint;
}

/** A snapshot to clone from: an image in some pool at a (protected) snapshot. */
export interface SnapshotRef {
  pool: RadosPool;
  image: string;
  snapshot: string;
}

/** The `order` (log2 of the object size) for a chunk size in bytes; throws unless a power of two. */
export function orderForChunkSize(bytes: number): number {
  const order = Math.log2(bytes);
  if (!Number.isInteger(order) || order < 12 || order > 26) {
    throw new RangeError(`RBD chunk size must be a power of two from 4 KiB to 64 MiB, not ${bytes} bytes`);
  }
  return order;
}

/** An I/O context on one pool (`rados_ioctx_t`): images live here. */
export class RadosPool {
  private readonly guard: ResourceGuard;
  private readonly images = new Set<RbdImage>();

  /** @internal created by `RadosCluster.openPool`. */
  constructor(
    private readonly handle: unknown,
    readonly name: string,
    readonly cluster: RadosCluster,
    private readonly onClose: () => void,
  ) {
    this.guard = new ResourceGuard(`Pool ${name}`);
  }

  /** Creates a format-2 image of `size` bytes. CephExistsError when the name is taken. */
  async createImage(name: string, size: number, options: CreateImageOptions = {}): Promise<void> {
    await this.guard.run(() =>
      withImageOptions(options, async (opts) => {
        const rc = await callAsync(cephNative().rbd_create4, this.handle, name, size, opts);
        if (rc < 0) throw cephError(`rbd_create4(${this.name}/${name})`, rc);
      }),
    );
  }

  /**
   * Removes an image. CephBusyError when it still has snapshots or watchers, CephNotFoundError
   * when it does not exist.
   */
  async removeImage(name: string): Promise<void> {
    await this.guard.run(async () => {
      const rc = await callAsync(cephNative().rbd_remove, this.handle, name);
      if (rc < 0) throw cephError(`rbd_remove(${this.name}/${name})`, rc);
    });
  }

  /** The names of the images in the pool, sorted. */
  async listImages(): Promise<string[]> {
    return this.guard.run(async () => {
      const native = cephNative();
      const specSize = koffi.sizeof(native.types.imageSpec);
      let capacity = 64;
      for (;;) {
        const specs = Buffer.alloc(capacity * specSize);
        const count = [capacity];
        const rc = await callAsync(native.rbd_list2, this.handle, specs, count);
        if (rc === -ERANGE) {
          capacity = Math.max(Number(count[0]), capacity * 2);
          continue;
        }
        if (rc < 0) throw cephError(`rbd_list2(${this.name})`, rc);
        const n = Number(count[0]);
        if (n === 0) return [];
        const decoded = koffi.decode(specs, native.types.imageSpec, n) as { name: string }[];
        native.rbd_image_spec_list_cleanup(specs, n);
        return decoded.map((spec) => spec.name).sort();
      }
    });
  }

  /** Opens an image, at `snapshot` when given; read-only handles take no lock and cannot write. */
  async openImage(name: string, options: OpenImageOptions = {}): Promise<RbdImage> {
    return this.guard.run(async () => {
      const native = cephNative();
      const out: unknown[] = [null];
      const fn = options.readOnly ? native.rbd_open_read_only : native.rbd_open;
      const rc = await callAsync(fn, this.handle, name, out, options.snapshot ?? null);
      const subject = `${this.name}/${name}${options.snapshot ? `@${options.snapshot}` : ''}`;
      if (rc < 0) throw cephError(`${options.readOnly ? 'rbd_open_read_only' : 'rbd_open'}(${subject})`, rc);
      const image = new RbdImage(out[0], this, name, options.snapshot ?? null, () =>
        this.images.delete(image),
      );
      this.images.add(image);
      return image;
    });
  }

  /** Runs `fn` with the image open and always closes it, also when `fn` throws. */
  async withImage<T>(
    name: string,
    options: OpenImageOptions,
    fn: (image: RbdImage) => Promise<T>,
  ): Promise<T> {
    const image = await this.openImage(name, options);
    try {
      return await fn(image);
    } finally {
      await image.close();
    }
  }

  /** True when the image exists (it can be opened read-only). */
  async imageExists(name: string): Promise<boolean> {
    try {
      await this.withImage(name, { readOnly: true }, async () => undefined);
      return true;
    } catch (error) {
      if (error instanceof CephNotFoundError) return false;
      throw error;
    }
  }

  /**
   * Copy-on-write clone of a protected snapshot into this pool as `name` (`rbd_clone3`). The parent
   * may live in another pool of the same cluster.
   */
  async cloneFrom(parent: SnapshotRef, name: string, options: CreateImageOptions = {}): Promise<void> {
    await this.guard.run(() =>
      parent.pool.guard.run(() =>
        withImageOptions(options, async (opts) => {
          const rc = await callAsync(
            cephNative().rbd_clone3,
            parent.pool.handle,
            parent.image,
            parent.snapshot,
            this.handle,
            name,
            opts,
          );
          const subject = `${parent.pool.name}/${parent.image}@${parent.snapshot} → ${this.name}/${name}`;
          if (rc < 0) throw cephError(`rbd_clone3(${subject})`, rc);
        }),
      ),
    );
  }

  /**
   * Stats a RADOS object: its size, or null when it does not exist. One round trip to the OSD that
   * holds it, so it doubles as a cheap liveness probe.
   */
  async statObject(oid: string): Promise<{ size: number } | null> {
    return this.guard.run(async () => {
      const size = [0];
      const mtime = [0];
      const rc = await callAsync(cephNative().rados_stat, this.handle, oid, size, mtime);
      if (rc === -2) return null;
      if (rc < 0) throw cephError(`rados_stat(${this.name}/${oid})`, rc);
      return { size: Number(size[0]) };
    });
  }

  get closed(): boolean {
    return this.guard.closed;
  }

  /** Closes the images still open on this pool, then the I/O context. Idempotent. */
  async close(): Promise<void> {
    await this.guard.close(async () => {
      await Promise.all([...this.images].map((image) => image.close()));
      cephNative().rados_ioctx_destroy(this.handle);
      this.onClose();
    });
  }
}

async function withImageOptions<T>(
  options: CreateImageOptions,
  fn: (opts: unknown) => Promise<T>,
): Promise<T> {
  const native = cephNative();
  const out: unknown[] = [null];
  native.rbd_image_options_create(out);
  const opts = out[0];
  try {
    set(native.rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION.FORMAT, 2), 'format');
    set(
      native.rbd_image_options_set_uint64(
        opts,
        RBD_IMAGE_OPTION.FEATURES,
        options.features ?? RBD_FEATURE_LAYERING,
      ),
      'features',
    );
    if (options.order !== undefined) {
      set(native.rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION.ORDER, options.order), 'order');
    }
    return await fn(opts);
  } finally {
    native.rbd_image_options_destroy(opts);
  }
}

function set(rc: number, option: string): void {
  if (rc < 0) throw cephError(`rbd_image_options_set_uint64(${option})`, rc);
}
