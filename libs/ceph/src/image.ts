import koffi from 'koffi';
import type { RadosPool } from './pool';
import { CephError, cephError } from './errors';
import { callAsync, cephNative } from './native';
import { ResourceGuard } from './resource-guard';

const ERANGE = 34;

export interface OpenImageOptions {
  /** Open the image at this snapshot (reads see the snapshot's data; writes fail). */
  snapshot?: string | null;
  /** No exclusive lock, no header watch: for readers and for images that are shared. */
  readOnly?: boolean;
}

export interface SnapshotInfo {
  id: number;
  name: string;
  /** The image size when the snapshot was taken. */
  size: number;
}

/** A clone of one of this image's snapshots (`rbd_list_children3`). */
export interface ChildImage {
  pool: string;
  poolNamespace: string;
  imageId: string;
  image: string;
  /** True when the child is in the trash (still a child: the snapshot stays busy). */
  trash: boolean;
}

export interface ParentSnapshot {
  pool: string;
  poolNamespace: string;
  image: string;
  snapshot: string;
}

/**
 * An open RBD image (`rbd_image_t`). Several reads or writes may be in flight at once (librbd is
 * thread-safe per image); `close` waits for them before freeing the handle.
 */
export class RbdImage {
  private readonly guard: ResourceGuard;

  /** @internal created by `RadosPool.openImage`. */
  constructor(
    private readonly handle: unknown,
    readonly pool: RadosPool,
    readonly name: string,
    readonly snapshot: string | null,
    private readonly onClose: () => void,
  ) {
    this.guard = new ResourceGuard(`Image ${pool.name}/${name}`);
  }

  private get subject(): string {
    return `${this.pool.name}/${this.name}${this.snapshot ? `@${this.snapshot}` : ''}`;
  }

  private call(fn: string, args: unknown[], detail = ''): Promise<number> {
    return this.guard.run(async () => {
      const native = cephNative() as unknown as Record<string, Parameters<typeof callAsync>[0]>;
      const rc = await callAsync<number | bigint>(native[fn], this.handle, ...args);
      const value = Number(rc);
      if (value < 0) throw cephError(`${fn}(${this.subject}${detail})`, value);
      return value;
    });
  }

  async size(): Promise<number> {
    const size = [0];
    await this.call('rbd_get_size', [size]);
    return Number(size[0]);
  }

  async resize(size: number): Promise<void> {
    await this.call('rbd_resize', [size], ` to ${size}`);
  }

  /**
   * Reads up to `length` bytes at `offset` into a new buffer; shorter only at the end of the image.
   */
  async read(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafeSlow(length);
    const read = await this.readInto(offset, buffer);
    return read === length ? buffer : buffer.subarray(0, read);
  }

  /** Reads into `buffer` (kept alive by the caller until this resolves); returns the bytes read. */
  async readInto(offset: number, buffer: Buffer): Promise<number> {
    return this.call('rbd_read', [offset, buffer.length, buffer], ` at ${offset}`);
  }

  /** Writes all of `data` at `offset`. */
  async write(offset: number, data: Buffer): Promise<void> {
    const written = await this.call('rbd_write', [offset, data.length, data], ` at ${offset}`);
    if (written !== data.length) {
      throw new CephError(
        `rbd_write(${this.subject} at ${offset})`,
        5,
        `short write: ${written} of ${data.length}`,
      );
    }
  }

  async flush(): Promise<void> {
    await this.call('rbd_flush', []);
  }

  async createSnapshot(name: string): Promise<void> {
    await this.call('rbd_snap_create', [name], `@${name}`);
  }

  async protectSnapshot(name: string): Promise<void> {
    await this.call('rbd_snap_protect', [name], `@${name}`);
  }

  /** CephBusyError while the snapshot has clones. */
  async unprotectSnapshot(name: string): Promise<void> {
    await this.call('rbd_snap_unprotect', [name], `@${name}`);
  }

  /** CephBusyError while the snapshot is protected. */
  async removeSnapshot(name: string): Promise<void> {
    await this.call('rbd_snap_remove', [name], `@${name}`);
  }

  async isSnapshotProtected(name: string): Promise<boolean> {
    const out = [0];
    await this.call('rbd_snap_is_protected', [name, out], `@${name}`);
    return out[0] !== 0;
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    return this.guard.run(async () => {
      const native = cephNative();
      const infoSize = koffi.sizeof(native.types.snapInfo);
      let capacity = 16;
      for (;;) {
        // librbd writes one extra, zeroed entry as an end marker.
        const snaps = Buffer.alloc((capacity + 1) * infoSize);
        const max = [capacity];
        const rc = Number(await callAsync(native.rbd_snap_list, this.handle, snaps, max));
        if (rc === -ERANGE) {
          capacity = Math.max(Number(max[0]), capacity * 2);
          continue;
        }
        if (rc < 0) throw cephError(`rbd_snap_list(${this.subject})`, rc);
        const decoded =
          rc === 0
            ? []
            : (koffi.decode(snaps, native.types.snapInfo, rc) as {
                id: number | bigint;
                size: number | bigint;
                name: string;
              }[]);
        native.rbd_snap_list_end(snaps);
        return decoded.map((snap) => ({ id: Number(snap.id), name: snap.name, size: Number(snap.size) }));
      }
    });
  }

  /** Switches the open handle to a snapshot (null: back to the head). */
  async setSnapshot(name: string | null): Promise<void> {
    await this.call('rbd_snap_set', [name], name ? ` to @${name}` : ' to head');
  }

  /** Copies the parent's data into this clone so that it no longer depends on the parent snapshot. */
  async flatten(): Promise<void> {
    await this.call('rbd_flatten', []);
  }

  /** The clones of the snapshot this image is open at (open it with `snapshot`). */
  async listChildren(): Promise<ChildImage[]> {
    return this.guard.run(async () => {
      const native = cephNative();
      const specSize = koffi.sizeof(native.types.linkedImageSpec);
      let capacity = 16;
      for (;;) {
        const specs = Buffer.alloc(capacity * specSize);
        const max = [capacity];
        const rc = Number(await callAsync(native.rbd_list_children3, this.handle, specs, max));
        if (rc === -ERANGE) {
          capacity = Math.max(Number(max[0]), capacity * 2);
          continue;
        }
        if (rc < 0) throw cephError(`rbd_list_children3(${this.subject})`, rc);
        const n = Number(max[0]);
        if (n === 0) return [];
        const decoded = koffi.decode(specs, native.types.linkedImageSpec, n) as {
          pool_name: string;
          pool_namespace: string;
          image_id: string;
          image_name: string;
          trash: boolean;
        }[];
        native.rbd_linked_image_spec_list_cleanup(specs, n);
        return decoded.map((spec) => ({
          pool: spec.pool_name,
          poolNamespace: spec.pool_namespace,
          imageId: spec.image_id,
          image: spec.image_name,
          trash: spec.trash,
        }));
      }
    });
  }

  /** The snapshot this image was cloned from, or null for an image that is not a clone (or was flattened). */
  async parent(): Promise<ParentSnapshot | null> {
    return this.guard.run(async () => {
      const native = cephNative();
      const spec = Buffer.alloc(koffi.sizeof(native.types.linkedImageSpec));
      const snap = Buffer.alloc(koffi.sizeof(native.types.snapSpec));
      const rc = Number(await callAsync(native.rbd_get_parent, this.handle, spec, snap));
      if (rc === -2) return null;
      if (rc < 0) throw cephError(`rbd_get_parent(${this.subject})`, rc);
      const parent = koffi.decode(spec, native.types.linkedImageSpec) as {
        pool_name: string;
        pool_namespace: string;
        image_name: string;
      };
      const snapshot = koffi.decode(snap, native.types.snapSpec) as { name: string };
      native.rbd_linked_image_spec_cleanup(spec);
      native.rbd_snap_spec_cleanup(snap);
      return {
        pool: parent.pool_name,
        poolNamespace: parent.pool_namespace,
        image: parent.image_name,
        snapshot: snapshot.name,
      };
    });
  }

  get closed(): boolean {
    return this.guard.closed;
  }

  /** Waits for the calls in flight, then closes the handle. Idempotent. */
  async close(): Promise<void> {
    await this.guard.close(async () => {
      const rc = await callAsync(cephNative().rbd_close, this.handle);
      this.onClose();
      if (rc < 0) throw cephError(`rbd_close(${this.subject})`, rc);
    });
  }
}
