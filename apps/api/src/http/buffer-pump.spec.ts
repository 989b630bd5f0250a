import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferPool, FileRangeStream, type BufferSource } from '@glance-ts/stores';
import { pumpToResponse } from './buffer-pump';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('pumpToResponse', () => {
  let dir: string;
  let server: Server;
  let url: string;
  /** What the next request serves, and what the pump did with it. */
  let serve: (response: import('node:http').ServerResponse) => Promise<void>;
  let pumped: Promise<unknown> = Promise.resolve();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glance-ts-pump-'));
    server = createServer((_request, response) => {
      pumped = serve(response).then(
        () => 'ok',
        (error: Error) => error,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function fileSource(data: Buffer, start = 0, end = data.length) {
    const path = join(dir, `data-${Math.random()}`);
    writeFileSync(path, data);
    return new FileRangeStream(await open(path, 'r'), start, end, 64 * 1024);
  }

  function fetchAll(): Promise<{ body: Buffer; complete: boolean }> {
    return new Promise((resolve, reject) => {
      get(url, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ body: Buffer.concat(chunks), complete: response.complete }));
        response.on('error', () => resolve({ body: Buffer.concat(chunks), complete: false }));
      }).on('error', (error: NodeJS.ErrnoException) =>
        // Cut before the head arrived: no body at all.
        error.code === 'ECONNRESET' ? resolve({ body: Buffer.alloc(0), complete: false }) : reject(error),
      );
    });
  }

  it.each([0, 1, 1023, 1024, 1025, 4 * 1024, 4 * 1024 + 1, 37 * 1024 + 7])(
    'sends %i bytes exactly, across buffer boundaries, allocating no more than its in-flight buffers',
    async (size) => {
      const data = randomBytes(size);
      const pool = new BufferPool(1024, 4);
      const source = await fileSource(data);
      serve = async (response) => {
        response.writeHead(200, { 'content-length': String(size) });
        await pumpToResponse(source, response, size, pool, 4);
      };
      const received = await fetchAll();
      expect(await pumped).toBe('ok');
      expect([received.body.length, sha(received.body), received.complete]).toEqual([size, sha(data), true]);
      // Reused, not allocated per chunk: at most the buffers in flight at once.
      expect(pool.allocated).toBeLessThanOrEqual(4);
      expect(source.destroyed).toBe(true);
    },
  );

  it('sends a range of the file', async () => {
    const data = randomBytes(10_000);
    const source = await fileSource(data, 1000, 7001);
    serve = async (response) => {
      response.writeHead(206, { 'content-length': '6001' });
      await pumpToResponse(source, response, 6001, new BufferPool(512, 4), 4);
    };
    expect((await fetchAll()).body.equals(data.subarray(1000, 7001))).toBe(true);
  });

  it('stops reading when the client stops reading (backpressure), holding at most its in-flight buffers', async () => {
    const size = 64 * 1024 * 1024;
    const data = Buffer.alloc(size, 1);
    const source = await fileSource(data);
    const pool = new BufferPool(64 * 1024, 4);
    serve = async (response) => {
      response.writeHead(200, { 'content-length': String(size) });
      await pumpToResponse(source, response, size, pool, 4);
    };
    let paused: IncomingMessage | undefined;
    const request = get(url, (response) => {
      paused = response;
      response.pause();
    });
    request.on('error', () => undefined);
    await sleep(1000);
    // Socket buffers on both sides hold a few MiB at most; the rest of the file was never read.
    expect(source.remaining).toBeGreaterThan(size - 16 * 1024 * 1024);
    expect(pool.allocated).toBeLessThanOrEqual(4);
    const remainingThen = source.remaining;
    await sleep(300);
    expect(source.remaining).toBe(remainingThen);
    // The client hangs up: the pump stops, resolves, and closes the file.
    request.destroy();
    paused?.destroy();
    expect(await pumped).toBe('ok');
    expect(source.destroyed).toBe(true);
  });

  it('a source that fails mid-way cuts the response short and rejects', async () => {
    let reads = 0;
    let destroyed = false;
    const failing: BufferSource = {
      async readInto(buffer) {
        if (++reads > 3) throw new Error('disk on fire');
        buffer.fill(7);
        return buffer.length;
      },
      destroy() {
        destroyed = true;
      },
    };
    serve = async (response) => {
      response.writeHead(200, { 'content-length': String(10 * 1024) });
      await pumpToResponse(failing, response, 10 * 1024, new BufferPool(1024, 4), 4);
    };
    const received = await fetchAll();
    expect(received.complete).toBe(false);
    expect(received.body.length).toBeLessThan(10 * 1024);
    expect(String(await pumped)).toContain('disk on fire');
    expect(destroyed).toBe(true);
  });

  /**
   * A source like the rbd store's: each call takes the next range when it is made, reads complete
   * out of order (random delays), and it counts the reads running at once.
   */
  function readAheadSource(data: Buffer, readAhead: number, failAtCall = Infinity) {
    const state = { running: 0, maxRunning: 0, calls: 0, runningAtDestroy: -1 };
    let next = 0;
    const source: BufferSource = {
      readAhead,
      async readInto(buffer) {
        const call = ++state.calls;
        const offset = next;
        const length = Math.min(buffer.length, data.length - offset);
        next += Math.max(0, length);
        state.running++;
        state.maxRunning = Math.max(state.maxRunning, state.running);
        try {
          await sleep(Math.floor(Math.random() * 4));
          if (call === failAtCall) throw new Error('OSD went away');
          if (length <= 0) return 0;
          data.copy(buffer, 0, offset, offset + length);
          return length;
        } finally {
          state.running--;
        }
      },
      destroy() {
        state.runningAtDestroy = state.running;
      },
    };
    return { source, state };
  }

  it.each([1, 2, 4])('reads ahead %i at a time and still sends the bytes in order', async (readAhead) => {
    const data = randomBytes(200 * 1024 + 5);
    const { source, state } = readAheadSource(data, readAhead);
    const pool = new BufferPool(4096, 8);
    serve = async (response) => {
      response.writeHead(200, { 'content-length': String(data.length) });
      await pumpToResponse(source, response, data.length, pool, 4);
    };
    const received = await fetchAll();
    expect(await pumped).toBe('ok');
    expect([received.body.length, sha(received.body)]).toEqual([data.length, sha(data)]);
    expect(state.maxRunning).toBe(readAhead);
    expect(pool.allocated).toBeLessThanOrEqual(4);
    expect(state.runningAtDestroy).toBe(0);
  });

  it('destroys a failed read-ahead source only once its other reads have returned', async () => {
    const data = randomBytes(100 * 1024);
    const { source, state } = readAheadSource(data, 4, 10);
    const pool = new BufferPool(4096, 8);
    serve = async (response) => {
      response.writeHead(200, { 'content-length': String(data.length) });
      await pumpToResponse(source, response, data.length, pool, 4);
    };
    const received = await fetchAll();
    expect(received.complete).toBe(false);
    expect(String(await pumped)).toContain('OSD went away');
    // The source's buffers were all returned before it was told to let go of them.
    expect(state.runningAtDestroy).toBe(0);
    expect(pool.allocated).toBeLessThanOrEqual(4);
  });

  it('a source shorter than promised cuts the response short', async () => {
    const data = randomBytes(3000);
    const source = await fileSource(data);
    serve = async (response) => {
      response.writeHead(200, { 'content-length': '5000' });
      await pumpToResponse(source, response, 5000, new BufferPool(1024, 4), 4);
    };
    const received = await fetchAll();
    expect(received.complete).toBe(false);
    expect(String(await pumped)).toContain('ended 2000 bytes early');
  });
});
