import { createHash, randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FileStoreConfig } from '@glance-ts/config';
import { FileStoreDriver, type FileStoreDriverOptions } from './file.driver';
import {
  type DirectFileTarget,
  type DirectFileWrites,
  type FileWritingSource,
  StoreBadLocationError,
  StoreDuplicateError,
  StoreFullError,
  StoreNotFoundError,
  StoreWriteDeniedError,
} from './store-data';

const MiB = 1024 * 1024;

/** The module object the driver calls through (a namespace import would be a frozen copy). */
const fsPromises = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');

let root: string;
let dataDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'glance-ts-file-store-'));
  dataDir = join(root, 'images');
});

afterEach(async () => {
  jest.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

function driver(
  overrides: Partial<FileStoreConfig> = {},
  options: FileStoreDriverOptions = {},
): FileStoreDriver {
  return new FileStoreDriver(
    {
      id: 'local',
      type: 'file',
      description: null,
      weight: 0,
      section: 'local',
      dataDir,
      chunkSize: 65_536,
      thinProvisioning: false,
      fileMode: null,
      ...overrides,
    },
    options,
  );
}

/** The prototype of the driver's FileHandles, to spy on their writes and syncs. */
async function fileHandlePrototype<T>(): Promise<T> {
  const probe = await fsPromises.open(join(root, 'probe'), 'w');
  await probe.close();
  return Object.getPrototypeOf(probe) as T;
}

/** The data as a byte stream of irregular chunks, like a socket's. */
function source(data: Buffer, sizes = [65_536, 7, 100_003, 1]): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0, index = 0; offset < data.length; index += 1) {
        const size = sizes[index % sizes.length];
        yield data.subarray(offset, offset + size);
        offset += size;
      }
    })(),
    { objectMode: false },
  );
}

/** A stream that yields `before` bytes, then waits for `gate`, then fails or goes on. */
function stalledSource(before: Buffer, gate: Promise<void>, failure?: Error): Readable {
  return Readable.from(
    (async function* () {
      yield before;
      await gate;
      if (failure) throw failure;
      yield Buffer.alloc(10);
    })(),
    { objectMode: false },
  );
}

/**
 * A FileWritingSource as the upload hasher is one: it passes on the first `emitted` bytes and, when
 * offered the file, writes the rest into it itself, run by run, reporting each. With `failure` it
 * fails half-way and, like a worker finishing the write it was in, writes once more 50 ms later
 * before it reports that it stopped.
 */
class DirectWritingSource extends Readable implements FileWritingSource {
  target: DirectFileTarget | null = null;
  /** The late write's error: EBADF had the store closed the file before the source stopped. */
  lateWriteError: unknown = null;
  /** Set when the source reports that it stopped writing. */
  hasStopped = false;
  private started = false;
  private resolveStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(
    private readonly data: Buffer,
    private readonly emitted: number,
    private readonly failure?: Error,
  ) {
    super();
  }

  writeIntoFile(target: DirectFileTarget): DirectFileWrites {
    this.target = target;
    return { stopped: this.stopped };
  }

  override _read(): void {
    if (this.started) return;
    this.started = true;
    this.push(this.data.subarray(0, this.emitted));
    void this.writeRest();
  }

  private async writeRest(): Promise<void> {
    const target = this.target;
    if (!target) {
      this.push(this.data.subarray(this.emitted));
      this.push(null);
      return;
    }
    const run = 100_003;
    for (let position = this.emitted; position < this.data.length; position += run) {
      await sleep(1);
      if (this.failure && position - this.emitted > (this.data.length - this.emitted) / 2) {
        this.destroy(this.failure);
        await sleep(50);
        try {
          writeSync(target.fd, this.data, position, Math.min(run, this.data.length - position), position);
        } catch (error) {
          this.lateWriteError = error;
        }
        this.hasStopped = true;
        this.resolveStopped();
        return;
      }
      const end = Math.min(position + run, this.data.length);
      writeSync(target.fd, this.data, position, end - position, position);
      target.written(end - position);
    }
    this.resolveStopped();
    this.push(null);
  }
}

const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('FileStoreDriver', () => {
  it('writes an image under its id, atomically, and reads it back', async () => {
    const store = driver();
    await store.start();
    const data = randomBytes(5 * MiB + 12_345);
    const stored = await store.add('0f0e0d0c-aaaa-bbbb-cccc-000000000001', source(data));

    const path = join(dataDir, '0f0e0d0c-aaaa-bbbb-cccc-000000000001');
    expect(stored).toEqual({ url: `file://${path}`, size: data.length, metadata: {} });
    expect(await readdir(dataDir)).toEqual(['0f0e0d0c-aaaa-bbbb-cccc-000000000001']);
    expect(sha512(await readFile(path))).toBe(sha512(data));

    const read = await store.get(stored.url);
    expect(read.size).toBe(data.length);
    expect(sha512(await readAll(read.stream))).toBe(sha512(data));
  });

  it('creates a missing data dir, with its parents, on first write', async () => {
    dataDir = join(root, 'a', 'b', 'images');
    const store = driver();
    const stored = await store.add('img', source(Buffer.from('hello')));
    expect(await readFile(join(dataDir, 'img'), 'utf8')).toBe('hello');
    expect(stored.size).toBe(5);
  });

  it('recreates the data dir when it was removed after the first write', async () => {
    const store = driver();
    await store.add('first', source(Buffer.from('1')));
    await rm(dataDir, { recursive: true });
    await store.add('second', source(Buffer.from('2')));
    expect(await readdir(dataDir)).toEqual(['second']);
  });

  it('writes an empty image', async () => {
    const store = driver();
    const stored = await store.add('empty', Readable.from([], { objectMode: false }));
    expect(stored.size).toBe(0);
    expect((await stat(join(dataDir, 'empty'))).size).toBe(0);
    const read = await store.get(stored.url);
    expect(read.size).toBe(0);
    expect((await readAll(read.stream)).length).toBe(0);
  });

  describe('ranges', () => {
    const data = randomBytes(3 * MiB + 77);
    let store: FileStoreDriver;
    let url: string;

    beforeEach(async () => {
      store = driver();
      url = (await store.add('ranged', source(data))).url;
    });

    it.each([
      ['the first byte', 0, 1],
      ['the last byte', data.length - 1, 1],
      ['the middle', 1_000_000, 1_500_001],
      ['to the end', 2 * MiB + 5, undefined],
      ['past the end (clamped)', data.length - 10, 1000],
    ])('reads %s', async (_name, offset, length) => {
      const read = await store.get(url, { offset, length });
      expect(read.size).toBe(data.length);
      const end = length === undefined ? data.length : Math.min(data.length, offset + length);
      expect((await readAll(read.stream)).equals(data.subarray(offset, end))).toBe(true);
    });

    it('gives an empty stream (and the size) for a range after the end or of length 0', async () => {
      for (const options of [
        { offset: data.length },
        { offset: data.length + 100 },
        { offset: 5, length: 0 },
      ]) {
        const read = await store.get(url, options);
        expect(read.size).toBe(data.length);
        expect((await readAll(read.stream)).length).toBe(0);
      }
    });

    it('refuses a negative or fractional range', async () => {
      await expect(store.get(url, { offset: -1 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.get(url, { offset: 0, length: 1.5 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  it('removes the temporary file and rejects with the cause when the source fails', async () => {
    const store = driver();
    const failure = new Error('client went away');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const adding = store.add('broken', stalledSource(randomBytes(2 * MiB), gate, failure));
    // The temporary file exists while the upload runs...
    await waitFor(async () => (await readdir(dataDir).catch(() => [])).length === 1);
    expect((await readdir(dataDir))[0]).toMatch(/^\.broken\.\d+-[0-9a-f]{12}\.tmp$/);
    release();
    await expect(adding).rejects.toBe(failure);
    // ...and nothing is left after the failure.
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('removes the temporary file and rejects with the reason when aborted', async () => {
    const store = driver();
    const abort = new AbortController();
    const reason = new Error('upload cancelled');
    const data = stalledSource(randomBytes(MiB), new Promise(() => undefined));
    const adding = store.add('aborted', data, { signal: abort.signal });
    await waitFor(async () => (await readdir(dataDir).catch(() => [])).length === 1);
    abort.abort(reason);
    await expect(adding).rejects.toBe(reason);
    expect(await readdir(dataDir)).toEqual([]);
    expect(data.destroyed).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const store = driver();
    const reason = new Error('too late');
    const data = source(Buffer.from('x'));
    await expect(store.add('late', data, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(data.destroyed).toBe(true);
    await expect(readdir(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to overwrite an image, before reading and when two uploads race', async () => {
    const store = driver();
    const original = Buffer.from('original');
    const { url } = await store.add('dup', source(original));

    const second = source(Buffer.from('second'));
    await expect(store.add('dup', second)).rejects.toEqual(new StoreDuplicateError('local', url));
    expect(second.destroyed).toBe(true);
    expect(await readFile(join(dataDir, 'dup'), 'utf8')).toBe('original');

    const results = await Promise.allSettled([
      store.add('race', source(randomBytes(3 * MiB))),
      store.add('race', source(randomBytes(3 * MiB))),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(StoreDuplicateError);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['dup', 'race']));
    expect((await readdir(dataDir)).length).toBe(2);
  });

  it('leaves holes for all-zero chunks with thin provisioning, trailing ones included', async () => {
    const random = randomBytes(MiB);
    const data = Buffer.concat([random, Buffer.alloc(8 * MiB), random, Buffer.alloc(4 * MiB + 100)]);
    const thin = driver({ thinProvisioning: true, chunkSize: 65_536 });
    const { url: thinUrl } = await thin.add('thin', source(data));
    dataDir = join(root, 'dense');
    const dense = driver({ thinProvisioning: false });
    await dense.add('dense', source(data));

    const thinStat = await stat(thinUrl.slice('file://'.length));
    const denseStat = await stat(join(dataDir, 'dense'));
    expect(thinStat.size).toBe(data.length);
    expect(sha512(await readFile(thinUrl.slice('file://'.length)))).toBe(sha512(data));
    expect(thinStat.blocks).toBeLessThan(denseStat.blocks / 4);
    // The two random MiB (and at most a block or so of rounding) are all that is allocated.
    expect(thinStat.blocks * 512).toBeLessThanOrEqual(2 * MiB + 64 * 1024);
  });

  it('writes a thin image whose chunks straddle the source buffers', async () => {
    const data = Buffer.alloc(1_000_000);
    for (let offset = 300_000; offset < data.length; offset += 150_000) data[offset] = 1;
    const store = driver({ thinProvisioning: true, chunkSize: 4096 });
    const { url } = await store.add('straddle', source(data, [5000, 3, 70_001]));
    expect((await readFile(url.slice('file://'.length))).equals(data)).toBe(true);
  });

  it('applies filesystem_store_file_perm', async () => {
    const store = driver({ fileMode: 0o640 });
    const { url } = await store.add('perm', source(Buffer.from('data')));
    expect((await stat(url.slice('file://'.length))).mode & 0o777).toBe(0o640);
  });

  describe('a source that writes into the file itself', () => {
    it('is offered the file and writes what it does not pass on', async () => {
      const store = driver();
      const data = randomBytes(3 * MiB + 5);
      const directSource = new DirectWritingSource(data, 100_003);
      const { url, size } = await store.add('direct', directSource);
      expect(directSource.target?.fd).toEqual(expect.any(Number));
      expect(size).toBe(data.length);
      expect(sha512(await readFile(url.slice('file://'.length)))).toBe(sha512(data));
    });

    it('syncs what the source wrote in the background, and again before publishing', async () => {
      const datasync = jest.spyOn(await fileHandlePrototype<{ datasync: () => Promise<void> }>(), 'datasync');
      const store = driver({}, { writebackBytes: MiB });
      const data = randomBytes(6 * MiB);
      const { url } = await store.add('direct-synced', new DirectWritingSource(data, 1000));
      expect(sha512(await readFile(url.slice('file://'.length)))).toBe(sha512(data));
      // The source's ~6 MiB in runs of ~100 KB: some syncs while it wrote, and the one before publishing.
      expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(3);
    });

    it('is not offered the file with thin provisioning, whose chunks the store must inspect', async () => {
      const store = driver({ thinProvisioning: true });
      const data = Buffer.concat([randomBytes(MiB), Buffer.alloc(MiB), randomBytes(5)]);
      const directSource = new DirectWritingSource(data, 100_003);
      const { url, size } = await store.add('thin', directSource);
      expect(directSource.target).toBeNull();
      expect(size).toBe(data.length);
      expect(sha512(await readFile(url.slice('file://'.length)))).toBe(sha512(data));
    });

    it('keeps the file open until a failed source stopped writing, then removes it', async () => {
      const store = driver();
      const failure = new Error('client went away');
      const directSource = new DirectWritingSource(randomBytes(2 * MiB), 1000, failure);
      const adding = store.add('failed', directSource);
      await expect(adding).rejects.toBe(failure);
      // The store answered only after the source stopped, and the source's last write found the file.
      expect(directSource.hasStopped).toBe(true);
      expect(directSource.lateWriteError).toBeNull();
      expect(await readdir(dataDir)).toEqual([]);
    });
  });

  it("maps a source's ENOSPC to StoreFullError also when the caller aborts with it", async () => {
    // The images service aborts the write with the error its hasher raised: a failed write of the
    // hash lane's worker reaches the store as the abort's reason.
    const store = driver();
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const directSource = new DirectWritingSource(randomBytes(2 * MiB), 1000, full);
    const abort = new AbortController();
    directSource.on('error', (error) => abort.abort(error));
    const error = await store
      .add('full', directSource, { signal: abort.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreFullError);
    expect((error as Error).cause).toBe(full);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('maps ENOSPC to StoreFullError and removes the temporary file', async () => {
    const store = driver();
    await store.start();
    jest
      .spyOn(await fileHandlePrototype<{ writev: () => Promise<unknown> }>(), 'writev')
      .mockRejectedValue(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    const data = source(randomBytes(MiB));
    const error = await store.add('full', data).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreFullError);
    expect((error as Error).cause).toMatchObject({ code: 'ENOSPC' });
    expect(data.destroyed).toBe(true);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('maps EACCES and EROFS to StoreWriteDeniedError', async () => {
    const store = driver();
    await store.start();
    const realOpen = fsPromises.open;
    for (const code of ['EACCES', 'EROFS']) {
      jest.spyOn(fsPromises, 'open').mockImplementation((async (path: string, ...rest: unknown[]) => {
        if (String(path).startsWith(dataDir)) throw Object.assign(new Error(code), { code });
        return (realOpen as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
      }) as typeof fsPromises.open);
      await expect(store.add(`denied-${code}`, source(Buffer.from('x')))).rejects.toBeInstanceOf(
        StoreWriteDeniedError,
      );
      jest.restoreAllMocks();
    }
  });

  it('finishes the write after short writes', async () => {
    const store = driver();
    await store.start();
    const handlePrototype = await fileHandlePrototype<{
      writev: (buffers: Buffer[], position: number) => Promise<{ bytesWritten: number }>;
    }>();
    const realWritev = handlePrototype.writev;
    // Every write stores only the first half of its first buffer, as a nearly full disk may.
    jest.spyOn(handlePrototype, 'writev').mockImplementation(function (
      this: unknown,
      buffers: Buffer[],
      position: number,
    ) {
      const first = buffers[0];
      return realWritev.call(this, [first.subarray(0, Math.ceil(first.length / 2))], position);
    });
    const data = randomBytes(300_001);
    const { url } = await store.add('short', source(data));
    jest.restoreAllMocks();
    expect((await readFile(url.slice('file://'.length))).equals(data)).toBe(true);
  });

  it('syncs in the background while writing, and fails the upload when a background sync fails', async () => {
    const datasync = jest.spyOn(await fileHandlePrototype<{ datasync: () => Promise<void> }>(), 'datasync');
    const store = driver({}, { writebackBytes: MiB, writeHighWaterMark: MiB });
    const data = randomBytes(6 * MiB);
    const { url } = await store.add('synced', source(data));
    expect(sha512(await readFile(url.slice('file://'.length)))).toBe(sha512(data));
    // Some in the background, and the one before publishing.
    expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(2);

    datasync.mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await expect(store.add('unsynced', source(randomBytes(6 * MiB)))).rejects.toMatchObject({ code: 'EIO' });
    expect(await readdir(dataDir)).toEqual(['synced']);
  });

  it('maps a missing file to StoreNotFoundError and ignores it on delete', async () => {
    const store = driver();
    const url = `file://${join(dataDir, 'gone')}`;
    await expect(store.get(url)).rejects.toBeInstanceOf(StoreNotFoundError);
    await expect(store.delete(url)).resolves.toBeUndefined();

    const { url: stored } = await store.add('deleted', source(Buffer.from('x')));
    await store.delete(stored);
    await expect(store.get(stored)).rejects.toBeInstanceOf(StoreNotFoundError);
  });

  it('owns file:// URLs inside its data dir only', () => {
    const store = driver();
    expect(store.owns(`file://${dataDir}/abc`)).toBe(true);
    expect(store.owns(`file://${dataDir}/sub/abc`)).toBe(true);
    expect(store.owns(`file://${dataDir}`)).toBe(false);
    expect(store.owns(`file://${dataDir}/../abc`)).toBe(false);
    expect(store.owns(`file://${dataDir}-other/abc`)).toBe(false);
    expect(store.owns(`file://host${dataDir}/abc`)).toBe(false);
    expect(store.owns(`http://example.com${dataDir}/abc`)).toBe(false);
    expect(() => store.delete('file:///etc/passwd')).rejects.toBeInstanceOf(StoreBadLocationError);
  });

  it('refuses image ids that are not plain file names', async () => {
    const store = driver();
    for (const id of ['', '.hidden', '../escape', 'a/b']) {
      await expect(store.add(id, source(Buffer.from('x')))).rejects.toBeInstanceOf(TypeError);
    }
  });

  it('removes temporary files of dead processes at start, keeping those of live ones', async () => {
    const store = driver();
    await store.start();
    const deadPid = 999_999_999; // above any pid_max: no such process
    const names = {
      dead: `.img1.${deadPid}-0123456789ab.tmp`,
      ownLeftover: `.img2.${process.pid}-0123456789ab.tmp`,
      live: `.img3.1-0123456789ab.tmp`,
      unrelated: '.keep',
      image: 'img4',
    };
    for (const name of Object.values(names)) await writeFile(join(dataDir, name), 'x');
    expect(await store.cleanupTemporaryFiles()).toBe(2);
    expect((await readdir(dataDir)).sort()).toEqual([names.unrelated, names.live, names.image].sort());

    await writeFile(join(dataDir, names.dead), 'x');
    await driver().start();
    expect(await readdir(dataDir)).not.toContain(names.dead);
  });

  it('keeps the temporary file of its own upload in progress', async () => {
    const store = driver();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const adding = store.add('slow', stalledSource(Buffer.from('abc'), gate));
    await waitFor(async () => (await readdir(dataDir).catch(() => [])).length === 1);
    expect(await store.cleanupTemporaryFiles()).toBe(0);
    release();
    await expect(adding).resolves.toMatchObject({ size: 13 });
  });

  it('reports its discovery properties as configured', () => {
    expect(
      driver({ dataDir: 'relative/../dir', chunkSize: 4096, thinProvisioning: true }).properties(),
    ).toEqual({
      data_dir: 'relative/../dir',
      chunk_size: 4096,
      thin_provisioning: true,
    });
  });

  it('streams a download of a file as text', async () => {
    const store = driver();
    const { url } = await store.add('text', source(Buffer.from('hello world')));
    expect(await text((await store.get(url, { offset: 6 })).stream)).toBe('world');
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met in time');
}
