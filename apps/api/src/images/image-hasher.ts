import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { DirectFileTarget, DirectFileWrites, FileWritingSource } from '@glance-ts/stores';
import { defaultHashWorkerPool, type HashLane, type HashWorkerPool } from './hash-workers';

/** Glance's `os_hash_algo` (its `[DEFAULT] hashing_algorithm` default). */
export const OS_HASH_ALGO = 'sha512';

/** Glance's `[DEFAULT] image_size_cap` default: 1 TiB. */
export const DEFAULT_IMAGE_SIZE_CAP = 1024 ** 4;

/**
 * Below this many bytes an image is hashed on the main thread: handing it to workers would cost more
 * (a cold lane boots in tens of milliseconds) than hashing it (~0.8 ms for 256 KiB).
 */
export const DEFAULT_IN_THREAD_LIMIT = 256 * 1024;

/** What Glance records about an image's data. */
export interface ImageDigest {
  /** Bytes that passed. */
  size: number;
  /** md5, hex: Glance's `checksum`. */
  checksum: string;
  /** sha512, hex: Glance's `os_hash_value` (with `os_hash_algo` = OS_HASH_ALGO). */
  osHashValue: string;
}

/** More than `image_size_cap` bytes arrived. Glance: 413 "The incoming image is too large". */
export class ImageSizeLimitError extends Error {
  constructor(readonly limit: number) {
    super(`The incoming image is larger than the limit of ${limit} bytes`);
    this.name = 'ImageSizeLimitError';
  }
}

export interface ImageHasherOptions {
  /** Fail with ImageSizeLimitError once more than this many bytes pass (default 1 TiB). */
  maxBytes?: number;
  /** Workers for images above `inThreadLimit`; null hashes everything on the main thread. */
  pool?: HashWorkerPool | null;
  /** Images up to this size are hashed on the main thread (default 256 KiB). */
  inThreadLimit?: number;
}

/** Which hashing is in use: undecided while the first `inThreadLimit` bytes are staged. */
type Mode = 'staging' | 'lane' | 'in-thread';

/**
 * A pass-through stream computing Glance's checksum (md5), os_hash_value (sha512) and size of the
 * data flowing through it, for `stream.pipeline(source, hasher, store)`. Chunks are passed on as they
 * are (never copied for the consumer, never held back for hashing).
 *
 * The first `inThreadLimit` bytes are hashed in-thread and also kept; a larger image moves to a
 * worker lane (see hash-workers.ts), whose hashing starts over from the kept bytes, and from then on
 * each chunk is copied into the lane's ring. When the ring is full the hasher stops accepting data
 * until the workers catch up, which is the backpressure towards the source. If no lane is free the
 * image is hashed in-thread.
 *
 * `digest()` resolves after the last byte (before 'end' reaches the consumer) and rejects when the
 * stream fails or is destroyed; a destroyed hasher ends its workers rather than reusing them.
 *
 * Offered a file (`writeIntoFile`, by the file store), a hasher whose image goes through a lane
 * stops passing chunks on from then: the lane's workers write them into the file (see
 * `HashLane.writeInto`). What was passed on before, the staged bytes at least, is the consumer's.
 */
export class ImageHasher extends Transform implements FileWritingSource {
  readonly maxBytes: number;
  private readonly pool: HashWorkerPool | null;
  private readonly inThreadLimit: number;
  private mode: Mode = 'staging';
  private size = 0;
  /** In-thread hashes (staging and in-thread modes). */
  private md5: Hash | null = createHash('md5');
  private sha512: Hash | null = createHash(OS_HASH_ALGO);
  /** Copy of the bytes hashed while staging, replayed into a lane. */
  private staged: Buffer | null = null;
  private lane: HashLane | null = null;
  /** Bytes passed on to the consumer: the file offset from which the lane writes. */
  private emitted = 0;
  /** The file offered by the store: a lane writes into it (see attachFile). */
  private fileTarget: DirectFileTarget | null = null;
  private readonly fileWritesStopped: Promise<void>;
  private resolveFileWritesStopped!: () => void;
  private result: ImageDigest | null = null;
  private readonly settled: Promise<ImageDigest>;
  private resolveDigest!: (digest: ImageDigest) => void;
  private rejectDigest!: (error: Error) => void;

  constructor(options: ImageHasherOptions = {}) {
    // Larger buffers than the 16 KiB default so a socket's 64 KiB chunks do not each wait for the
    // consumer: the hasher and the store then work on different chunks at the same time.
    super({ highWaterMark: 1024 * 1024 });
    this.maxBytes = options.maxBytes ?? DEFAULT_IMAGE_SIZE_CAP;
    this.pool = options.pool === undefined ? defaultHashWorkerPool() : options.pool;
    // The staged bytes must fit in a fresh lane's ring, which is what stage() relies on.
    const ringBytes = this.pool ? this.pool.slotBytes * this.pool.slotCount : Infinity;
    this.inThreadLimit = Math.min(options.inThreadLimit ?? DEFAULT_IN_THREAD_LIMIT, ringBytes);
    if (this.pool === null) this.mode = 'in-thread';
    this.settled = new Promise<ImageDigest>((resolve, reject) => {
      this.resolveDigest = resolve;
      this.rejectDigest = reject;
    });
    // A caller that never asks for the digest of a failed stream must not get an unhandled rejection.
    this.settled.catch(() => undefined);
    this.fileWritesStopped = new Promise<void>((resolve) => (this.resolveFileWritesStopped = resolve));
  }

  /**
   * The store's file: a lane writes into it from the next byte not passed on yet (a lane acquired
   * later, from the first byte after the staged ones). An image hashed in-thread is all passed on.
   */
  writeIntoFile(target: DirectFileTarget): DirectFileWrites {
    if (this.fileTarget) throw new Error('the hasher already writes into a file');
    this.fileTarget = target;
    if (this.mode === 'lane' && this.lane) this.attachFile(this.lane);
    return { stopped: this.fileWritesStopped };
  }

  /** The digest once the stream ended cleanly; rejects with the stream's error otherwise. */
  digest(): Promise<ImageDigest> {
    return this.settled;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.size + chunk.length > this.maxBytes) {
      callback(new ImageSizeLimitError(this.maxBytes));
      return;
    }
    this.size += chunk.length;
    if (this.mode === 'staging') this.stage(chunk);

    if (this.mode === 'lane') {
      const lane = this.lane!;
      let copied: number;
      try {
        copied = lane.copyIn(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      if (!this.writingFile) this.passOn(chunk);
      if (copied === chunk.length) callback();
      else void this.copyRest(lane, chunk.subarray(copied), callback);
      return;
    }
    if (this.mode === 'in-thread') {
      this.md5!.update(chunk);
      this.sha512!.update(chunk);
    }
    this.passOn(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.mode !== 'lane') {
      this.complete(this.md5!.digest('hex'), this.sha512!.digest('hex'));
      callback();
      return;
    }
    const lane = this.lane!;
    lane.finish().then(
      ([checksum, osHashValue]) => {
        this.lane = null;
        this.pool!.release(lane);
        this.complete(checksum, osHashValue);
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    if (!this.result) {
      this.rejectDigest(error ?? prematureClose());
    }
    const lane = this.lane;
    this.lane = null;
    this.md5 = null;
    this.sha512 = null;
    this.staged = null;
    if (!lane) {
      this.resolveFileWritesStopped();
      callback(error);
      return;
    }
    // The workers may still be hashing (and writing) queued slots of this image: end them before
    // reporting, and before the store may close the file they write into.
    const ended = () => {
      this.resolveFileWritesStopped();
      callback(error);
    };
    this.pool!.discard(lane, error ?? undefined).then(ended, ended);
  }

  /** A file was offered and the image goes through a lane: the lane writes it, nothing is passed on. */
  private get writingFile(): boolean {
    return this.fileTarget !== null && this.mode === 'lane';
  }

  private passOn(chunk: Buffer): void {
    this.emitted += chunk.length;
    this.push(chunk);
  }

  private attachFile(lane: HashLane): void {
    const target = this.fileTarget!;
    lane.writeInto(target.fd, this.emitted, (bytes) => target.written(bytes));
  }

  /** Hashes in-thread while keeping the bytes, until the image proves larger than the limit. */
  private stage(chunk: Buffer): void {
    if (this.size <= this.inThreadLimit) {
      this.md5!.update(chunk);
      this.sha512!.update(chunk);
      this.staged ??= Buffer.allocUnsafe(this.inThreadLimit);
      chunk.copy(this.staged, this.size - chunk.length);
      return;
    }
    const lane = this.pool?.tryAcquire() ?? null;
    const stagedBytes = this.size - chunk.length;
    if (!lane) {
      // Every lane is busy: go on in-thread with the hashes computed so far.
      this.mode = 'in-thread';
      this.staged = null;
      return;
    }
    // The lane starts from byte 0: it gets the kept bytes (they fit in its empty ring),
    // and the in-thread hashes of them are dropped. The current chunk goes through the lane path.
    this.lane = lane;
    this.mode = 'lane';
    if (this.fileTarget) this.attachFile(lane);
    if (stagedBytes > 0) lane.copyIn(this.staged!.subarray(0, stagedBytes));
    this.staged = null;
    this.md5 = null;
    this.sha512 = null;
  }

  private async copyRest(lane: HashLane, rest: Buffer, callback: TransformCallback): Promise<void> {
    try {
      while (rest.length > 0) {
        await lane.slotAvailable();
        if (this.destroyed) return;
        rest = rest.subarray(lane.copyIn(rest));
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private complete(checksum: string, osHashValue: string): void {
    this.result = { size: this.size, checksum, osHashValue };
    this.md5 = null;
    this.sha512 = null;
    // The digests come after every write of the lane's workers.
    this.resolveFileWritesStopped();
    this.resolveDigest(this.result);
  }
}

/** A hasher for one image; see ImageHasher. */
export function createImageHasher(options: ImageHasherOptions = {}): ImageHasher {
  return new ImageHasher(options);
}

function prematureClose(): Error {
  return Object.assign(new Error('The image stream was destroyed before it ended'), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}
