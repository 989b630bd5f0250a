import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeDefaultHashWorkerPool, HashWorkerPool } from './hash-workers';
import { createImageHasher, type ImageHasherOptions, ImageSizeLimitError } from './image-hasher';

/** Small slots so that a few MiB wrap the ring many times and fill it (backpressure). */
const pool = new HashWorkerPool({ slotBytes: 64 * 1024, slotCount: 4, maxIdleLanes: 1 });

afterAll(() => Promise.all([pool.close(), closeDefaultHashWorkerPool()]));

function expected(data: Buffer) {
  return {
    size: data.length,
    checksum: createHash('md5').update(data).digest('hex'),
    osHashValue: createHash('sha512').update(data).digest('hex'),
  };
}

/** Cuts `data` into chunks of the given sizes, cycling through them. */
function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, index = 0; offset < data.length; index += 1) {
    const size = sizes[index % sizes.length];
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Streams the chunks through a hasher into a collector; returns what came out and the digest. */
async function hashChunks(chunks: Buffer[], options: ImageHasherOptions = { pool }) {
  const hasher = createImageHasher(options);
  const output: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      output.push(chunk);
      callback();
    },
  });
  await pipeline(Readable.from(chunks, { objectMode: false }), hasher, sink);
  return { output: Buffer.concat(output), digest: await hasher.digest() };
}

/**
 * Streams the chunks through a hasher offered a file, as the file store offers it: the consumer
 * writes what the hasher passes on at its offset, the hasher's lane the rest. `offerAfter`: offer
 * the file once the consumer got that many bytes (default: before the first).
 */
async function hashIntoFile(
  chunks: Buffer[],
  options: ImageHasherOptions = { pool },
  { offerAfter = -1, flags = 'w+' }: { offerAfter?: number; flags?: string } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-hasher-'));
  const path = join(dir, 'image');
  closeSync(openSync(path, 'w'));
  const fd = openSync(path, flags);
  try {
    const hasher = createImageHasher(options);
    let emitted = 0;
    const runs: number[] = [];
    let stopped: Promise<void> | null = null;
    const offer = () =>
      (stopped = hasher.writeIntoFile({ fd, written: (bytes) => runs.push(bytes) }).stopped);
    if (offerAfter < 0) offer();
    const consumer = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writeSync(fd, chunk, 0, chunk.length, emitted);
        emitted += chunk.length;
        if (!stopped && offerAfter >= 0 && emitted >= offerAfter) offer();
        callback();
      },
    });
    const outcome = await pipeline(Readable.from(chunks, { objectMode: false }), hasher, consumer).then(
      () => null,
      (error: unknown) => error,
    );
    await stopped;
    return {
      outcome,
      hasher,
      emitted,
      runs,
      file: readFileSync(path),
      digest: outcome ? null : await hasher.digest(),
    };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Threads of this process (workers are threads): what is left running after a hasher fails. */
function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

async function waitForThreads(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50 && threadCount() > count; attempt += 1) await sleep(20);
  return threadCount();
}

describe('ImageHasher', () => {
  const sizes = [
    0,
    1,
    2,
    1000,
    65_535,
    65_536,
    65_537,
    256 * 1024 - 1,
    256 * 1024,
    256 * 1024 + 1,
    3 * 1024 * 1024 + 7,
  ];
  const chunkings: Array<[string, number[]]> = [
    ['one chunk', [Number.MAX_SAFE_INTEGER]],
    ['odd sizes', [7, 4093, 65_539, 1, 100_003]],
    ['64 KiB', [65_536]],
    ['1 MiB + 1', [1024 * 1024 + 1]],
  ];

  it.each(sizes)('hashes %d bytes like crypto.createHash, whatever the chunking', async (size) => {
    const data = randomBytes(size);
    for (const [, chunkSizes] of chunkings) {
      const { output, digest } = await hashChunks(chunked(data, chunkSizes));
      expect(digest).toEqual(expected(data));
      expect(output.equals(data)).toBe(true);
    }
  });

  it('hashes byte by byte', async () => {
    const data = randomBytes(3000);
    const { digest } = await hashChunks(chunked(data, [1]));
    expect(digest).toEqual(expected(data));
  });

  it('gives the same result in-thread, through workers from the first byte, and through the default pool', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 333);
    const chunks = chunked(data, [65_536, 17, 300_001]);
    expect((await hashChunks(chunks, { pool: null })).digest).toEqual(expected(data));
    expect((await hashChunks(chunks, { pool, inThreadLimit: 0 })).digest).toEqual(expected(data));
    expect((await hashChunks(chunks, {})).digest).toEqual(expected(data));
  });

  it('reuses a lane for the next image and keeps no lane busy', async () => {
    const first = randomBytes(1024 * 1024);
    const second = randomBytes(700 * 1024 + 5);
    expect((await hashChunks(chunked(first, [65_536]))).digest).toEqual(expected(first));
    expect(pool.laneCounts).toEqual({ busy: 0, idle: 1 });
    expect((await hashChunks(chunked(second, [65_536]))).digest).toEqual(expected(second));
    expect(pool.laneCounts).toEqual({ busy: 0, idle: 1 });
  });

  it('hashes in-thread when every lane is busy', async () => {
    const onePool = new HashWorkerPool({ slotBytes: 64 * 1024, slotCount: 2, maxLanes: 1 });
    try {
      const a = randomBytes(1024 * 1024);
      const b = randomBytes(1024 * 1024 + 1);
      const [resultA, resultB] = await Promise.all([
        hashChunks(chunked(a, [65_536]), { pool: onePool }),
        hashChunks(chunked(b, [65_536]), { pool: onePool }),
      ]);
      expect(resultA.digest).toEqual(expected(a));
      expect(resultB.digest).toEqual(expected(b));
    } finally {
      await onePool.close();
    }
  });

  it('accepts exactly maxBytes and refuses one more, leaving no worker running', async () => {
    const data = randomBytes(1024 * 1024);
    expect((await hashChunks(chunked(data, [65_536]), { pool, maxBytes: data.length })).digest.size).toBe(
      data.length,
    );

    // A pool without idle lanes: the failing image starts its own workers, which must be gone after.
    const freshPool = new HashWorkerPool({ slotBytes: 64 * 1024, slotCount: 4 });
    const threadsBefore = threadCount();
    const hasher = createImageHasher({ pool: freshPool, maxBytes: data.length - 1 });
    const run = pipeline(
      Readable.from(chunked(data, [65_536]), { objectMode: false }),
      hasher,
      new PassThrough().resume(),
    );
    await expect(run).rejects.toBeInstanceOf(ImageSizeLimitError);
    await expect(hasher.digest()).rejects.toBeInstanceOf(ImageSizeLimitError);
    expect(freshPool.laneCounts).toEqual({ busy: 0, idle: 0 });
    expect(await waitForThreads(threadsBefore)).toBeLessThanOrEqual(threadsBefore);
  });

  it('fails with the source error mid-stream and ends the lane', async () => {
    const freshPool = new HashWorkerPool({ slotBytes: 64 * 1024, slotCount: 4 });
    const threadsBefore = threadCount();
    const failure = new Error('client went away');
    async function* source() {
      for (let index = 0; index < 40; index += 1) yield randomBytes(65_536);
      throw failure;
    }
    const hasher = createImageHasher({ pool: freshPool });
    const started = jest.spyOn(freshPool, 'tryAcquire');
    await expect(
      pipeline(Readable.from(source(), { objectMode: false }), hasher, new PassThrough().resume()),
    ).rejects.toBe(failure);
    await expect(hasher.digest()).rejects.toBe(failure);
    expect(started).toHaveBeenCalledTimes(1);
    expect(freshPool.laneCounts).toEqual({ busy: 0, idle: 0 });
    expect(await waitForThreads(threadsBefore)).toBeLessThanOrEqual(threadsBefore);
  });

  it('rejects the digest when destroyed while the consumer is not reading', async () => {
    const hasher = createImageHasher({ pool });
    // Nothing reads the hasher's output: the writes stop at its buffer limit.
    for (let index = 0; index < 64; index += 1) hasher.write(randomBytes(65_536));
    await sleep(50);
    hasher.destroy();
    await expect(hasher.digest()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    await new Promise((resolve) => hasher.once('close', resolve));
    expect(pool.laneCounts.busy).toBe(0);
  });

  describe('offered a file', () => {
    // The test pool's ring is 256 KiB, as is the in-thread limit; slots are 64 KiB.
    const fileSizes = [
      0,
      1,
      65_536,
      256 * 1024,
      256 * 1024 + 1,
      5 * 65_536 - 1,
      5 * 65_536,
      3 * 1024 * 1024 + 7,
    ];

    it.each(fileSizes)('writes into it what it does not pass on (%d bytes)', async (size) => {
      const data = randomBytes(size);
      for (const [, chunkSizes] of chunkings) {
        const { file, emitted, runs, digest } = await hashIntoFile(chunked(data, chunkSizes));
        expect(digest).toEqual(expected(data));
        expect(file.equals(data)).toBe(true);
        const direct = runs.reduce((sum, bytes) => sum + bytes, 0);
        expect(emitted + direct).toBe(size);
        // Only what was staged in-thread is passed on; a lane writes the rest.
        if (size > 256 * 1024) expect(emitted).toBeLessThanOrEqual(256 * 1024);
        else expect(direct).toBe(0);
      }
    });

    it('writes from the next byte not passed on when offered mid-stream', async () => {
      const data = randomBytes(2 * 1024 * 1024 + 3);
      // Offered while its lane is at work: after more than the in-thread limit was passed on.
      const { file, emitted, runs, digest } = await hashIntoFile(
        chunked(data, [65_536, 7, 100_003]),
        { pool },
        {
          offerAfter: 1024 * 1024,
        },
      );
      expect(digest).toEqual(expected(data));
      expect(file.equals(data)).toBe(true);
      expect(emitted).toBeGreaterThanOrEqual(1024 * 1024);
      expect(emitted).toBeLessThan(data.length);
      expect(emitted + runs.reduce((sum, bytes) => sum + bytes, 0)).toBe(data.length);
    });

    it('passes everything on when it hashes in-thread', async () => {
      const data = randomBytes(1024 * 1024);
      const { file, emitted, runs, digest } = await hashIntoFile(chunked(data, [65_536]), { pool: null });
      expect(digest).toEqual(expected(data));
      expect(file.equals(data)).toBe(true);
      expect([emitted, runs]).toEqual([data.length, []]);
    });

    it('fails with the write error, and reports stopped once the workers are gone', async () => {
      const freshPool = new HashWorkerPool({ slotBytes: 64 * 1024, slotCount: 4 });
      const threadsBefore = threadCount();
      // A read-only descriptor: the worker's write fails with EBADF. Through the lane from the first
      // byte, so that nothing is passed on for the consumer to write.
      const { outcome, hasher, file, emitted } = await hashIntoFile(
        chunked(randomBytes(1024 * 1024), [65_536]),
        { pool: freshPool, inThreadLimit: 0 },
        { flags: 'r' },
      );
      expect(emitted).toBe(0);
      expect(outcome).toMatchObject({ code: 'EBADF', syscall: 'write' });
      await expect(hasher.digest()).rejects.toMatchObject({ code: 'EBADF' });
      expect(file.length).toBe(0);
      expect(freshPool.laneCounts).toEqual({ busy: 0, idle: 0 });
      expect(await waitForThreads(threadsBefore)).toBeLessThanOrEqual(threadsBefore);
    });
  });

  it('does not leave an unhandled rejection when nobody asks for the digest of a failed stream', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const hasher = createImageHasher({ pool, maxBytes: 10 });
      hasher.on('error', () => undefined);
      hasher.end(Buffer.alloc(11));
      await sleep(20);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
