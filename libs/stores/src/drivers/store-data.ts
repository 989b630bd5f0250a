import type { Readable } from 'node:stream';

/** What a store reports after writing an image. */
export interface StoredImage {
  /** The location URL recorded on the image (`file:///...`, `rbd://...`). */
  url: string;
  /** Bytes written (equal to the bytes read from the source). */
  size: number;
  /** Location metadata recorded beside the URL; the images service adds `store`. */
  metadata: Record<string, unknown>;
}

export interface StoreWriteOptions {
  /** Aborts the write: the store removes what it wrote and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Expected size when the client declared one (Content-Length); informational for the store. */
  expectedSize?: number | null;
}

export interface StoreReadOptions {
  /** First byte to read (default 0). */
  offset?: number;
  /** Bytes to read from `offset` (default: to the end). */
  length?: number;
  signal?: AbortSignal;
}

/**
 * A source that fills the caller's buffer: what a download reads through reused buffers instead of
 * a stream allocating one per chunk (the file store's ranges are both).
 */
export interface BufferSource {
  /** Resolves the bytes read into `buffer`, 0 at the end. */
  readInto(buffer: Buffer): Promise<number>;
  /**
   * readInto calls that may run at once (default 1: one at a time). A source that allows more takes
   * each call's range when the call is made, so the bytes still come in call order: the rbd store,
   * whose reads each wait for an OSD round trip.
   */
  readonly readAhead?: number;
  /** Releases what the source holds (a file handle); idempotent. */
  destroy(error?: Error): unknown;
}

export function isBufferSource(value: unknown): value is BufferSource {
  return typeof (value as BufferSource | null)?.readInto === 'function';
}

/**
 * A source that writes its own data into the file store's open file, off the event loop, instead
 * of emitting it: the upload hasher's workers write each slot they hash from the buffer they hash
 * it in. The file store offers its file before reading; the source goes on emitting what it does
 * not write itself (at least the bytes it had already emitted), and writes the rest at the offsets
 * that follow. Per 1 GiB upload here: the event loop ~0.15 core-s less, the kernel's page-cache
 * copy from data still in the writing core's cache, no libuv round trip per write.
 */
export interface FileWritingSource {
  writeIntoFile(target: DirectFileTarget): DirectFileWrites;
}

/** The file offered to a FileWritingSource. */
export interface DirectFileTarget {
  /** Open for writing; the store keeps it open until `DirectFileWrites.stopped` resolves. */
  readonly fd: number;
  /**
   * Called on the event loop for each run of bytes the source wrote, in file order: each run follows
   * the previous one, and the first follows the last byte the source emitted.
   */
  written(bytes: number): void;
}

export interface DirectFileWrites {
  /**
   * Resolves (never rejects) once the source will not write to the file again: it ended, failed or
   * was destroyed. Closing the fd before then could let a write land in whatever file reuses it.
   */
  readonly stopped: Promise<void>;
}

export function isFileWritingSource(value: unknown): value is FileWritingSource {
  return typeof (value as FileWritingSource | null)?.writeIntoFile === 'function';
}

export interface StoreReadResult {
  /** The whole image's size in bytes (not the range's). */
  size: number;
  /**
   * The requested range's data (empty when the range starts at or after the end). It holds an open
   * file or connection until consumed: a caller that does not send it must `destroy()` it.
   */
  stream: Readable;
}

/**
 * Base of the errors a store raises; the images service maps each to Glance's HTTP answer.
 * `message` may name the store's internals (paths, pools, fsids, hosts) and is for the log and for
 * operators; `summary` says what happened naming the store by id only, for anyone else.
 */
export class StoreError extends Error {
  readonly summary: string;

  constructor(
    message: string,
    readonly storeId: string,
    options?: { cause?: unknown; summary?: string },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.summary = options?.summary ?? `Store ${storeId} failed.`;
  }
}

/** An upload to a read-only store (http). Glance: 400 "Store <id> is read only". */
export class StoreReadOnlyError extends StoreError {
  constructor(storeId: string) {
    super(`Store ${storeId} is read only`, storeId, { summary: `Store ${storeId} is read only` });
  }
}

/** This driver cannot do the operation (cinder/swift/s3 have discovery only in glance-ts). */
export class StoreUnsupportedError extends StoreError {
  constructor(storeId: string, type: string, operation: string) {
    const message = `Store ${storeId} (type ${type}) does not support ${operation} in glance-ts`;
    super(message, storeId, { summary: message });
  }
}

/** The data is not at the location (deleted behind our back, remote 404). */
export class StoreNotFoundError extends StoreError {
  constructor(storeId: string, url: string, options?: { cause?: unknown }) {
    super(`Image data not found at ${url}`, storeId, {
      ...options,
      summary: `Image data not found in store ${storeId}.`,
    });
  }
}

/** The image already has data at this store's location for it. Glance: 409 (glance_store.Duplicate). */
export class StoreDuplicateError extends StoreError {
  constructor(
    storeId: string,
    readonly url: string,
  ) {
    super(`Image data already exists at ${url}`, storeId, {
      summary: `Image data already exists in store ${storeId}.`,
    });
  }
}

/** The location is not one this store can address (malformed URL, another store's path). Glance: BadStoreUri. */
export class StoreBadLocationError extends StoreError {
  constructor(storeId: string, url: string, reason: string) {
    super(`Invalid location ${url} for store ${storeId}: ${reason}`, storeId, {
      summary: 'Invalid location',
    });
  }
}

/** The store has no room (ENOSPC, quota). Glance: 413. */
export class StoreFullError extends StoreError {
  constructor(message: string, storeId: string, options?: { cause?: unknown }) {
    super(message, storeId, { ...options, summary: `Store ${storeId} has no space left.` });
  }
}

/** The store refused the write (EACCES, EROFS). Glance: 503 "Insufficient permissions on image storage media". */
export class StoreWriteDeniedError extends StoreError {
  constructor(message: string, storeId: string, options?: { cause?: unknown }) {
    super(message, storeId, { ...options, summary: `Store ${storeId} refused the write.` });
  }
}

/** The store is unreachable or failing (remote 5xx, cluster down). Glance: 503. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, storeId: string, options?: { cause?: unknown }) {
    super(message, storeId, { ...options, summary: `Store ${storeId} is unavailable.` });
  }
}

/**
 * The data cannot be removed because something outside glance-ts depends on it (rbd: a clone of the
 * image's snapshot). Glance: glance_store InUseByStore → 409, and the image stays.
 */
export class StoreInUseError extends StoreError {
  constructor(storeId: string, url: string, options?: { cause?: unknown }) {
    const message =
      'The image cannot be deleted because it is in use through the backend store outside of Glance.';
    super(message, storeId, { ...options, summary: message });
    this.url = url;
  }

  readonly url: string;
}
