import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { BufferSource } from './store-data';

/**
 * `[start, end)` of an open file, as a Readable (for consumers that want one: hashing, copies) and
 * as a BufferSource (`readInto`: the download path, which reads into pooled buffers and allocates
 * nothing per chunk). A consumer uses one or the other. It owns the handle: the handle is closed
 * when the stream ends or is destroyed.
 */
export class FileRangeStream extends Readable implements BufferSource {
  private position: number;

  constructor(
    private readonly handle: FileHandle,
    start: number,
    private readonly end: number,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
    this.position = start;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.position;
  }

  async readInto(buffer: Buffer): Promise<number> {
    const length = Math.min(buffer.length, this.end - this.position);
    if (length <= 0) return 0;
    const { bytesRead } = await this.handle.read(buffer, 0, length, this.position);
    // A file that shrank under us: the caller sees the end early and treats it as a short read.
    this.position += bytesRead;
    return bytesRead;
  }

  override _read(size: number): void {
    const length = Math.min(size, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.readInto(buffer).then(
      (bytesRead) => {
        if (bytesRead === 0) this.destroy(new Error(`file ended ${this.remaining} bytes early`));
        else this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
      },
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }
}
