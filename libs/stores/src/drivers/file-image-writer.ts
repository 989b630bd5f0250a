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
  /**
   * Start an fdatasync in the background after this many bytes written since the last one (0: never).
   * The kernel then writes the image back while the rest arrives, instead of all of it in the
   * caller's final fdatasync.
   */
  writebackBytes?: number;
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
  private readonly writebackBytes: number;
  private bytesSinceWriteback = 0;
  private writeback: Promise<void> | null = null;
  private writebackError: unknown = null;

  constructor(
    private readonly handle: FileHandle,
    options: FileImageWriterOptions,
  ) {
    super({ highWaterMark: options.highWaterMark, decodeStrings: true });
    this.chunkSize = options.chunkSize;
    this.thin = options.thinProvisioning;
    this.writebackBytes = options.writebackBytes ?? 0;
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
      .then(() => this.writeback)
      .then(() => {
        if (this.writebackError) throw this.writebackError;
      })
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
      this.bytesSinceWriteback += run.bytes;
    }
    if (this.writebackError) throw this.writebackError;
    if (this.writebackBytes > 0 && this.bytesSinceWriteback >= this.writebackBytes && !this.writeback) {
      this.bytesSinceWriteback = 0;
      // Not awaited: writing goes on meanwhile. A failure is reported by the next flush or the end.
      this.writeback = this.handle
        .datasync()
        .catch((error: unknown) => {
          this.writebackError ??= error;
        })
        .finally(() => {
          this.writeback = null;
        });
    }
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
