import { Worker } from 'node:worker_threads';

/**
 * Hashing off the main thread. md5 + sha512 of one stream cost ~2.1 core-s per GiB here (md5 ~1.2,
 * sha512 ~0.9, as `openssl dgst`), which would cap an upload near 500 MB/s, and leave the event loop
 * no time for anything else, if the event loop did it. A lane is a shared ring of slots plus one worker per algorithm: the main thread
 * copies the data into the ring once (one memcpy per chunk) and both workers hash the same slots in
 * parallel with the socket reads and file writes, on the other core.
 *
 * The ring is a SharedArrayBuffer, so a slot is handed over by a two-number message instead of a copy
 * per worker; each worker acknowledges every slot, and a slot is reused only when all workers
 * acknowledged it. Memory in flight is therefore bounded by the ring (slotCount × slotBytes).
 *
 * A lane can also write the image into a file (`writeInto`): the writing worker writes each piece
 * right after hashing it, while the piece is still in its core's cache, so the event loop neither
 * buffers the data for a store nor dispatches its writes.
 */

/** The algorithms a lane computes, in the order `HashLane.finish()` returns their digests. */
export const LANE_ALGORITHMS = ['md5', 'sha512'] as const;

/**
 * The worker that writes when a lane writes into a file: sha512's, the faster of the two here (per
 * GiB md5 ~1.2 core-s, sha512 ~0.9, writing ~0.25-0.35), so that both end at about the same time.
 */
const WRITING_WORKER = LANE_ALGORITHMS.indexOf('sha512');

/**
 * The writing worker hashes and writes a slot in pieces of this size: the kernel copies each piece
 * into the page cache right after the hash read it, and (ext4 with large folios) allocates a page
 * cache folio of about the write's size. Two builds side by side, 1 GiB uploads alternating, 8 pairs
 * each, whole API per GiB: 128 KiB pieces 3.30 core-s, 64 KiB 2.99, 32 KiB 2.88-2.89, 16 KiB 3.12
 * (whole 1 MiB slots cost 0.6-1.3 more than 128 KiB). `npm run bench:page-cache` shows the same on
 * bare writes paced like an upload's (per GiB over 2 s: 32 KiB 0.25 core-s, as cheap as at once;
 * 16 KiB 0.54, 64 KiB 0.48, 128 KiB 0.59). Why 32 KiB is measured, not established: it is the
 * largest block the kernel keeps on per-CPU free lists (order 3), and larger folios come from the
 * large free blocks this VM hands back to its host and must fault in again.
 */
const WRITE_PIECE_BYTES = 32 * 1024;

/**
 * The worker's code, evaluated rather than loaded from a file so it runs the same from `dist/`, from
 * ts-jest (which cannot hand a `.ts` file to a worker) and from a bundle. Messages in: `[offset,
 * length]` to hash a range of the ring; `[offset, length, fd, skip, position]` to hash it and write
 * its bytes from `skip` on into `fd` at `position`; `'digest'` to finish (the worker is then ready
 * for the next image). Messages out: `0` per range done, `{ digest }` per digest, `{ error }` when a
 * write failed (the worker then ignores everything: its lane is discarded).
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { writeSync } = require('node:fs');
const ring = new Uint8Array(workerData.ring);
const algorithm = workerData.algorithm;
const piece = workerData.writePieceBytes;
let hash = null;
let failed = false;
parentPort.on('message', (message) => {
  if (failed) return;
  if (message === 'digest') {
    const digest = (hash ?? createHash(algorithm)).digest('hex');
    hash = null;
    parentPort.postMessage({ digest });
    return;
  }
  hash ??= createHash(algorithm);
  const [offset, length, fd, skip, position] = message;
  if (fd === undefined) {
    hash.update(ring.subarray(offset, offset + length));
    parentPort.postMessage(0);
    return;
  }
  try {
    for (let start = 0; start < length; start += piece) {
      const end = Math.min(start + piece, length);
      hash.update(ring.subarray(offset + start, offset + end));
      for (let at = Math.max(start, skip); at < end; ) {
        const count = writeSync(fd, ring, offset + at, end - at, position + at - skip);
        if (count === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
        at += count;
      }
    }
  } catch (error) {
    failed = true;
    const { message, code, errno, syscall } = error;
    parentPort.postMessage({ error: { message, code, errno, syscall } });
    return;
  }
  parentPort.postMessage(0);
});
`;

export interface HashWorkerPoolOptions {
  /** Bytes per ring slot: the unit handed to the workers (default 1 MiB). */
  slotBytes?: number;
  /** Slots per ring (default 8): bytes in flight per lane are at most slotCount × slotBytes. */
  slotCount?: number;
  /** Lanes in use at once; beyond it hashers fall back to hashing on the main thread (default 8). */
  maxLanes?: number;
  /** Idle lanes kept warm for the next upload (default 2). */
  maxIdleLanes?: number;
  /** An idle lane's workers are ended after this long unused (default 60 s). */
  idleTimeoutMs?: number;
}

/** What a worker posts: a range done, a digest, or a failed write (an fs error's fields). */
type WorkerMessage =
  0 | { digest: string } | { error: { message: string; code?: string; errno?: number; syscall?: string } };

/** A ring and its workers, leased to one hasher at a time. */
export class HashLane {
  readonly slotBytes: number;
  readonly slotCount: number;
  private readonly ring: Buffer;
  private readonly workers: Worker[];
  /** Slots handed to the workers so far (all of them), and per worker how many it acknowledged. */
  private dispatched = 0;
  private readonly acknowledged: number[];
  /** Bytes copied into the slot being filled (slot `dispatched % slotCount`). */
  private fill = 0;
  /** Bytes of the image handed over so far: the image offset of the slot being filled. */
  private dispatchedBytes = 0;
  /** Where the image is written, from which image offset on (see writeInto). */
  private file: { fd: number; from: number; written: (bytes: number) => void } | null = null;
  /** Per ring slot, the bytes the writing worker writes of it (reported when it acknowledges). */
  private readonly slotWrites: number[];
  private failure: Error | null = null;
  private slotWaiter: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private digestWaiters: Array<{ resolve: (digest: string) => void; reject: (error: Error) => void } | null>;
  private ended = false;
  /** Set by the pool while the lane is idle. */
  idleTimer: NodeJS.Timeout | null = null;

  constructor(slotBytes: number, slotCount: number) {
    this.slotBytes = slotBytes;
    this.slotCount = slotCount;
    const shared = new SharedArrayBuffer(slotBytes * slotCount);
    this.ring = Buffer.from(shared);
    this.workers = LANE_ALGORITHMS.map((algorithm, index) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { ring: shared, algorithm, writePieceBytes: WRITE_PIECE_BYTES },
        // The workers hash native buffers; a small JS heap is all they need.
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
      });
      worker.on('message', (message: WorkerMessage) => this.onMessage(index, message));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.ended)
          this.fail(new Error(`hash worker (${algorithm}) exited unexpectedly with code ${code}`));
      });
      return worker;
    });
    this.acknowledged = this.workers.map(() => 0);
    this.digestWaiters = this.workers.map(() => null);
    this.slotWrites = new Array<number>(slotCount).fill(0);
  }

  /** False once a worker failed or the lane was ended: it must not be used again. */
  get usable(): boolean {
    return this.failure === null && !this.ended;
  }

  /**
   * Copies as much of `data` into the ring as fits without waiting, handing full slots to the
   * workers; returns the bytes copied (less than `data.length` when the ring is full: wait with
   * `slotAvailable()` and call again with the rest).
   */
  copyIn(data: Uint8Array): number {
    if (this.failure) throw this.failure;
    let copied = 0;
    while (copied < data.length) {
      if (this.fill === 0 && this.inFlight() === this.slotCount) break;
      const slotStart = (this.dispatched % this.slotCount) * this.slotBytes;
      const count = Math.min(this.slotBytes - this.fill, data.length - copied);
      // Buffer#fill with a buffer is one memcpy; TypedArray#set into shared memory is V8's relaxed
      // word-by-word copy, measured at 0.14 core-s per GiB on the event loop, 21 % of its upload work.
      const at = slotStart + this.fill;
      this.ring.fill(
        copied === 0 && count === data.length ? data : data.subarray(copied, copied + count),
        at,
        at + count,
      );
      this.fill += count;
      copied += count;
      if (this.fill === this.slotBytes) this.dispatch();
    }
    return copied;
  }

  /**
   * From now on the image's bytes from offset `from` on are also written into `fd`, at their image
   * offsets, by the writing worker; `written(bytes)` reports each run on the event loop once it is
   * in the file. `from` must not be below what the lane already handed over (the bytes before it
   * are the caller's to write). Until the digests the caller must keep `fd` open and must not
   * reuse the lane's ring for anything else; on failure `terminate()` waits for the worker.
   */
  writeInto(fd: number, from: number, written: (bytes: number) => void): void {
    if (this.file) throw new Error('the lane already writes this image into a file');
    if (from < this.dispatchedBytes) {
      throw new RangeError(
        `the lane has handed over ${this.dispatchedBytes} bytes, cannot write from ${from}`,
      );
    }
    this.file = { fd, from, written };
  }

  /** Resolves when a slot is free (at once if one is), rejects when a worker failed. */
  slotAvailable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.fill > 0 || this.inFlight() < this.slotCount) return Promise.resolve();
    return new Promise((resolve, reject) => (this.slotWaiter = { resolve, reject }));
  }

  /** Hands over the partly filled slot and returns the digests in LANE_ALGORITHMS order. */
  finish(): Promise<string[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.fill > 0) this.dispatch();
    return Promise.all(
      this.workers.map(
        (worker, index) =>
          new Promise<string>((resolve, reject) => {
            this.digestWaiters[index] = { resolve, reject };
            worker.postMessage('digest');
          }),
      ),
    );
  }

  /** Keeps the process alive while leased; an idle lane must not hold the process open. */
  setRef(ref: boolean): void {
    for (const worker of this.workers) {
      if (ref) worker.ref();
      else worker.unref();
    }
  }

  /** Ends the workers; pending waits reject with `reason`. */
  async terminate(reason: Error = new Error('hash lane terminated')): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.rejectWaiters(this.failure ?? reason);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private inFlight(): number {
    return this.dispatched - Math.min(...this.acknowledged);
  }

  private dispatch(): void {
    const slot = this.dispatched % this.slotCount;
    const hashOnly = [slot * this.slotBytes, this.fill];
    let writing = hashOnly;
    this.slotWrites[slot] = 0;
    const file = this.file;
    if (file && this.dispatchedBytes + this.fill > file.from) {
      const skip = Math.max(0, file.from - this.dispatchedBytes);
      writing = [...hashOnly, file.fd, skip, this.dispatchedBytes + skip];
      this.slotWrites[slot] = this.fill - skip;
    }
    this.workers.forEach((worker, index) =>
      worker.postMessage(index === WRITING_WORKER ? writing : hashOnly),
    );
    this.dispatched += 1;
    this.dispatchedBytes += this.fill;
    this.fill = 0;
  }

  private onMessage(index: number, message: WorkerMessage): void {
    if (message === 0) {
      if (index === WRITING_WORKER) {
        const written = this.slotWrites[this.acknowledged[index] % this.slotCount];
        if (written > 0) this.file?.written(written);
      }
      this.acknowledged[index] += 1;
      if (this.slotWaiter && this.inFlight() < this.slotCount) {
        const waiter = this.slotWaiter;
        this.slotWaiter = null;
        waiter.resolve();
      }
      return;
    }
    if ('error' in message) {
      this.fail(Object.assign(new Error(message.error.message), message.error));
      return;
    }
    const waiter = this.digestWaiters[index];
    this.digestWaiters[index] = null;
    waiter?.resolve(message.digest);
    if (this.digestWaiters.every((pending) => pending === null)) this.resetCounters();
  }

  /** After the digests every worker has acknowledged every slot: start the next image at slot 0. */
  private resetCounters(): void {
    this.dispatched = 0;
    this.dispatchedBytes = 0;
    this.file = null;
    this.fill = 0;
    this.acknowledged.fill(0);
  }

  private fail(error: Error): void {
    if (this.failure || this.ended) return;
    this.failure = error;
    this.rejectWaiters(error);
  }

  private rejectWaiters(error: Error): void {
    this.slotWaiter?.reject(error);
    this.slotWaiter = null;
    for (const waiter of this.digestWaiters) waiter?.reject(error);
    this.digestWaiters = this.digestWaiters.map(() => null);
  }
}

/**
 * Lanes for all uploads of the process. Workers start on first use (a worker takes ~20-40 ms to
 * boot, so a couple of idle lanes are kept warm) and idle ones do not keep the process alive.
 */
export class HashWorkerPool {
  readonly slotBytes: number;
  readonly slotCount: number;
  private readonly maxLanes: number;
  private readonly maxIdleLanes: number;
  private readonly idleTimeoutMs: number;
  private readonly idle: HashLane[] = [];
  private readonly busy = new Set<HashLane>();
  private closed = false;

  constructor(options: HashWorkerPoolOptions = {}) {
    this.slotBytes = options.slotBytes ?? 1024 * 1024;
    this.slotCount = options.slotCount ?? 8;
    this.maxLanes = options.maxLanes ?? 8;
    this.maxIdleLanes = options.maxIdleLanes ?? 2;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  }

  /** Lanes leased and idle (what a test checks to see that nothing is left running). */
  get laneCounts(): { busy: number; idle: number } {
    return { busy: this.busy.size, idle: this.idle.length };
  }

  /** A lane for one image, or null when `maxLanes` are in use (the caller hashes in-thread). */
  tryAcquire(): HashLane | null {
    if (this.closed || this.busy.size >= this.maxLanes) return null;
    let lane = this.idle.pop();
    while (lane && !lane.usable) lane = this.idle.pop();
    if (lane) {
      if (lane.idleTimer) clearTimeout(lane.idleTimer);
      lane.idleTimer = null;
    } else {
      lane = new HashLane(this.slotBytes, this.slotCount);
    }
    lane.setRef(true);
    this.busy.add(lane);
    return lane;
  }

  /** Returns a lane whose image finished cleanly (after `finish()` resolved). */
  release(lane: HashLane): void {
    this.busy.delete(lane);
    if (this.closed || !lane.usable || this.idle.length >= this.maxIdleLanes) {
      void lane.terminate();
      return;
    }
    lane.setRef(false);
    lane.idleTimer = setTimeout(() => this.expire(lane), this.idleTimeoutMs).unref();
    this.idle.push(lane);
  }

  /**
   * Ends a lane whose image failed or was abandoned mid-stream: its workers may hold queued slots and
   * a half-fed hash, so it is not reused. Resolves when the workers are gone.
   */
  discard(lane: HashLane, reason?: Error): Promise<void> {
    this.busy.delete(lane);
    return lane.terminate(reason);
  }

  /** Ends every worker; leased lanes' hashers fail. */
  async close(): Promise<void> {
    this.closed = true;
    const lanes = [...this.idle, ...this.busy];
    this.idle.length = 0;
    this.busy.clear();
    for (const lane of lanes) if (lane.idleTimer) clearTimeout(lane.idleTimer);
    await Promise.all(lanes.map((lane) => lane.terminate(new Error('hash worker pool closed'))));
  }

  private expire(lane: HashLane): void {
    const index = this.idle.indexOf(lane);
    if (index < 0) return;
    this.idle.splice(index, 1);
    void lane.terminate();
  }
}

let defaultPool: HashWorkerPool | null = null;

/** The process-wide pool used by hashers that are not given one. */
export function defaultHashWorkerPool(): HashWorkerPool {
  return (defaultPool ??= new HashWorkerPool());
}

/** Ends the process-wide pool's workers (shutdown, tests). A later upload starts a new pool. */
export async function closeDefaultHashWorkerPool(): Promise<void> {
  const pool = defaultPool;
  defaultPool = null;
  await pool?.close();
}
