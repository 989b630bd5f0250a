/**
 * Buffers reused across requests, so a data path allocates nothing per chunk or per request (the
 * V8 heap then has no garbage to collect: with a new 1 MiB buffer per read, downloads spent most of
 * their CPU in GC). At most `retained` buffers are kept; more are allocated under load and dropped
 * after use. Used by downloads (the API's pump) and by the rbd store's writes.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  /** Buffers this pool has allocated so far (the data path's allocations, for tests). */
  allocated = 0;

  constructor(
    readonly bufferBytes: number,
    private readonly retained: number,
  ) {}

  take(): Buffer {
    const reused = this.free.pop();
    if (reused) return reused;
    this.allocated++;
    return Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.retained) this.free.push(buffer);
  }
}
