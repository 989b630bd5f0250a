import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** All-zero bytes to compare chunks against (Buffer.compare is a memcmp). */
const ZEROS = Buffer.alloc(64 * 1024);

/** True when every byte of `data` is 0. Stops at the first non-zero block, so dense data costs ~nothing. */
export function isAllZero(data: Uint8Array): boolean {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let offset = 0; offset < bytes.length; offset += ZEROS.length) {
    const end = Math.min(offset + ZEROS.length, bytes.length);
    if (bytes.compare(ZEROS, 0, end - offset, offset, end) !== 0) return false;
  }
  return true;
}

/** Contiguous bytes waiting to be written at `position`. */
interface PendingRun {
  position: number;
  buffers: Buffer[];
  bytes: number;
}

export interface FileImageWriterOptions {
  /** Smallest write (but the last): `filesystem_store_chunk_size`, and the thin-provisioning unit. */
  chunkSize: number;
  /** Chunks (aligned to chunkSize from byte 0) that are all zeros are skipped, leaving holes. */
  thinProvisioning: boolean;
  /** Bytes buffered while a write is in flight before the source is paused. */
  highWaterMark: number;
  /** Started for every run written; the caller's when it also writes into the file by other means. */
  writeback?: BackgroundWriteback;
}

/**
 * An fdatasync started in the background after every `everyBytes` written since the last one (0:
 * never), so the kernel writes the image back while the rest arrives instead of all of it in the
 * final fdatasync. One at a time; a failure is kept and thrown by the next `throwIfFailed()`.
 */
export class BackgroundWriteback {
  private bytesSinceSync = 0;
  private running: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly handle: FileHandle,
    private readonly everyBytes: number,
  ) {}

  written(bytes: number): void {
    this.bytesSinceSync += bytes;
    if (this.everyBytes <= 0 || this.bytesSinceSync < this.everyBytes || this.running) return;
    this.bytesSinceSync = 0;
    // Not awaited: writing goes on meanwhile.
    this.running = this.handle
      .datasync()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.running = null;
      });
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits for the fdatasync in flight; throws the first failure. */
  async settle(): Promise<void> {
    await this.running;
    this.throwIfFailed();
  }
}

/**
 * Writes a stream into an open file with positional `writev`s. Chunks are never copied: whatever
 * arrives while one write is in flight (up to highWaterMark) goes out in the next single writev, so
 * the writes grow with the data rate and a 1 GiB image costs a few hundred system calls, not 16K.
 * With thin provisioning the data is cut at chunkSize boundaries (subarrays, still no copies) and
 * all-zero chunks are skipped; the caller truncates the file to `size` afterwards so that a
 * trailing hole counts in the size.
 */
export class FileImageWriter extends Writable {
  /** Bytes accepted so far: the image's size once the stream finished. */
  size = 0;
  private readonly chunkSize: number;
  private readonly thin: boolean;
  private runs: PendingRun[] = [];
  private pendingBytes = 0;
  /** Thin provisioning: pieces of the chunk being assembled, and its length so far. */
  private chunkPieces: Buffer[] = [];
  private chunkFill = 0;
  private readonly writeback: BackgroundWriteback | null;

  constructor(
    private readonly handle: FileHandle,
    options: FileImageWriterOptions,
  ) {
    super({ highWaterMark: options.highWaterMark, decodeStrings: true });
    this.chunkSize = options.chunkSize;
    this.thin = options.thinProvisioning;
    this.writeback = options.writeback ?? null;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.accept(chunk);
    this.flushIfFull(callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    for (const { chunk } of chunks) this.accept(chunk);
    this.flushIfFull(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.chunkFill > 0) this.closeChunk();
    this.flush()
      .then(() => this.writeback?.settle())
      .then(() => callback(), callback);
  }

  private accept(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (!this.thin) {
      this.append(this.size, chunk);
      this.size += chunk.length;
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.chunkSize - this.chunkFill, chunk.length - offset);
      this.chunkPieces.push(take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
      this.chunkFill += take;
      offset += take;
      if (this.chunkFill === this.chunkSize) this.closeChunk();
    }
  }

  /** Thin provisioning: the chunk is complete (or the last one); write it unless it is all zeros. */
  private closeChunk(): void {
    let position = this.size;
    this.size += this.chunkFill;
    if (!this.chunkPieces.every(isAllZero)) {
      for (const piece of this.chunkPieces) {
        this.append(position, piece);
        position += piece.length;
      }
    }
    this.chunkPieces = [];
    this.chunkFill = 0;
  }

  /** Adds bytes for `position`, extending the last run when they follow it. */
  private append(position: number, data: Buffer): void {
    const last = this.runs[this.runs.length - 1];
    if (last && last.position + last.bytes === position) {
      last.buffers.push(data);
      last.bytes += data.length;
    } else {
      this.runs.push({ position, buffers: [data], bytes: data.length });
    }
    this.pendingBytes += data.length;
  }

  private flushIfFull(callback: (error?: Error | null) => void): void {
    if (this.pendingBytes < this.chunkSize) {
      callback();
      return;
    }
    this.flush().then(() => callback(), callback);
  }

  private async flush(): Promise<void> {
    const runs = this.runs;
    this.runs = [];
    this.pendingBytes = 0;
    for (const run of runs) {
      await writeFully(this.handle, run.buffers, run.position, run.bytes);
      this.writeback?.written(run.bytes);
    }
    this.writeback?.throwIfFailed();
  }
}

/**
 * One writev, repeated for the rest after a short write: libuv returns a short count without an error
 * when the disk fills part-way, and the retry is what surfaces ENOSPC.
 */
async function writeFully(
  handle: FileHandle,
  buffers: Buffer[],
  position: number,
  bytes: number,
): Promise<void> {
  let written = 0;
  while (written < bytes) {
    const remaining = written === 0 ? buffers : skipBytes(buffers, written);
    const { bytesWritten } = await handle.writev(remaining, position + written);
    if (bytesWritten === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    written += bytesWritten;
  }
}

function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (count >= buffer.length) {
      count -= buffer.length;
      continue;
    }
    rest.push(count > 0 ? buffer.subarray(count) : buffer);
    count = 0;
  }
  return rest;
}
