import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startCephCluster, type CephTestCluster } from '@glance-ts/testing';
import {
  CephBusyError,
  CephError,
  CephExistsError,
  CephNotFoundError,
  CephUnavailableError,
  imageReadStream,
  RadosCluster,
  type RadosPool,
  orderForChunkSize,
  writeStreamToImage,
} from './index';

async function* chunksOf(data: Buffer, size: number) {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

const MiB = 1024 * 1024;
jest.setTimeout(120_000);

describe('libs/ceph against a real cluster', () => {
  let ceph: CephTestCluster;
  let cluster: RadosCluster;
  let images: RadosPool;
  let volumes: RadosPool;

  beforeAll(async () => {
    ceph = await startCephCluster();
    cluster = await RadosCluster.connect({
      cephConf: ceph.confPath,
      keyring: ceph.keyringPath,
      user: ceph.user,
      timeoutSeconds: 10,
    });
    images = await cluster.openPool('images');
    volumes = await cluster.openPool('volumes');
  }, 240_000);

  afterAll(async () => {
    await cluster?.shutdown();
    await ceph?.stop();
  });

  it('reads the fsid of the cluster it connected to', () => {
    expect(cluster.fsid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cluster.fsid).toBe(ceph.fsid);
  });

  it('names a missing pool, a missing config file and an unknown user with their errno', async () => {
    await expect(cluster.openPool('no-such-pool')).rejects.toThrow(CephNotFoundError);
    await expect(cluster.openPool('no-such-pool')).rejects.toThrow(
      /rados_ioctx_create\(no-such-pool\) failed: ENOENT/,
    );
    await expect(RadosCluster.connect({ cephConf: '/nonexistent/ceph.conf' })).rejects.toThrow(
      CephNotFoundError,
    );
    await expect(
      RadosCluster.connect({
        cephConf: ceph.confPath,
        keyring: ceph.keyringPath,
        user: 'nobody',
        timeoutSeconds: 5,
      }),
    ).rejects.toThrow(CephError);
  });

  it('gives up on an unreachable monitor after the timeout without blocking the event loop', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    try {
      // 192.0.2.0/24 (TEST-NET-1) never answers: the connect can only end by the timeout.
      const attempt = RadosCluster.connect({
        cephConf: ceph.confPath,
        keyring: ceph.keyringPath,
        user: ceph.user,
        timeoutSeconds: 2,
        options: { mon_host: '192.0.2.1:6789' },
      });
      await expect(attempt).rejects.toThrow(CephUnavailableError);
    } finally {
      clearInterval(ticker);
    }
    // ~2 s of waiting: a blocked loop would have run the interval at most once.
    expect(ticks).toBeGreaterThan(10);
  });

  it('creates an image with the object size of the chunk size and the layering feature', async () => {
    await images.createImage('order-test', 64 * MiB, { order: orderForChunkSize(8 * MiB) });
    const info = JSON.parse(await ceph.rbd(['info', 'images/order-test', '--format', 'json'])) as {
      order: number;
      size: number;
      features: string[];
    };
    expect(info).toMatchObject({ order: 23, size: 64 * MiB, features: ['layering'] });
    await expect(images.createImage('order-test', MiB)).rejects.toThrow(CephExistsError);
    expect(await images.listImages()).toContain('order-test');
    await images.removeImage('order-test');
    expect(await images.listImages()).not.toContain('order-test');
    await expect(images.removeImage('order-test')).rejects.toThrow(CephNotFoundError);
    expect(() => orderForChunkSize(3 * MiB)).toThrow(RangeError);
  });

  it('writes and reads with several operations in flight, and reads short at the end', async () => {
    const chunk = 4 * MiB;
    const data = randomBytes(10 * chunk + 12345);
    await images.createImage('io-test', data.length);
    await images.withImage('io-test', {}, async (image) => {
      expect(await image.size()).toBe(data.length);
      const writes = [];
      for (let offset = 0; offset < data.length; offset += chunk) {
        writes.push(image.write(offset, data.subarray(offset, offset + chunk)));
      }
      await Promise.all(writes);
      await image.flush();
    });
    const copy = await images.withImage('io-test', { readOnly: true }, async (image) => {
      const reads = [];
      for (let offset = 0; offset < data.length; offset += chunk) reads.push(image.read(offset, chunk));
      return Buffer.concat(await Promise.all(reads));
    });
    expect(copy.length).toBe(data.length);
    const tail = await images.withImage('io-test', { readOnly: true }, (image) =>
      image.read(data.length - 100, chunk),
    );
    expect(tail).toEqual(data.subarray(data.length - 100));
    expect(sha256(copy)).toBe(sha256(data));
    // What the rbd CLI exports is what we wrote.
    const exportPath = join(await mkdtemp(join(tmpdir(), 'ceph-spec-')), 'io-test.raw');
    await ceph.rbd(['export', 'images/io-test', exportPath, '--no-progress']);
    expect(sha256(await readFile(exportPath))).toBe(sha256(data));
    await rm(dirname(exportPath), { recursive: true });
    await images.withImage('io-test', {}, async (image) => {
      await image.resize(2 * chunk);
      expect(await image.size()).toBe(2 * chunk);
    });
    await images.removeImage('io-test');
  });

  it("reads a range into the caller's buffers with overlapping calls, in call order, as a download does", async () => {
    const data = randomBytes(3 * MiB + 777);
    await images.createImage('read-into-test', data.length);
    await images.withImage('read-into-test', {}, async (image) => {
      await image.write(0, data);
      await image.flush();
    });
    const image = await images.openImage('read-into-test', { readOnly: true });
    const failures: unknown[] = [];
    const stream = imageReadStream(image, data.length, {
      offset: 1000,
      length: 2 * MiB + 5,
      onReadError: (error) => failures.push(error),
    });
    expect(stream.readAhead).toBe(4);
    const buffers = Array.from({ length: 4 }, () => Buffer.alloc(300 * 1024));
    const parts: Buffer[] = [];
    for (;;) {
      // Four calls at once, each taking the next range.
      const counts = await Promise.all(buffers.map((buffer) => stream.readInto(buffer)));
      counts.forEach((count, index) => parts.push(Buffer.from(buffers[index].subarray(0, count))));
      if (counts.includes(0)) break;
    }
    expect(Buffer.concat(parts).equals(data.subarray(1000, 1000 + 2 * MiB + 5))).toBe(true);

    // Destroyed with reads running: the image closes after they returned, and refuses more calls.
    const pending = buffers.map(() => stream.readInto(Buffer.alloc(MiB)));
    stream.destroy();
    await Promise.allSettled(pending);
    await new Promise((resolve) => stream.once('close', resolve));
    await expect(image.size()).rejects.toThrow();
    expect(failures).toEqual([]);
    await images.removeImage('read-into-test');
  });

  it('writes streams in pieces taken from the caller and gives every piece back', async () => {
    const chunkSize = MiB;
    const free: Buffer[] = [];
    let allocated = 0;
    const pieces = {
      take: () => free.pop() ?? (allocated++, Buffer.allocUnsafeSlow(chunkSize)),
      give: (buffer: Buffer) => free.push(buffer),
    };
    for (const name of ['pieces-1', 'pieces-2']) {
      const data = randomBytes(9 * chunkSize + 5);
      await images.createImage(name, 0);
      const written = await images.withImage(name, {}, (image) =>
        writeStreamToImage(image, chunksOf(data, 65_536), { chunkSize, imageSize: 0, pieces }),
      );
      expect(written).toBe(data.length);
      const copy = await images.withImage(name, { readOnly: true }, (image) => image.read(0, data.length));
      expect(sha256(copy)).toBe(sha256(data));
      await images.removeImage(name);
    }
    // Four writes in flight and the piece being filled, for both uploads together; all back.
    expect(allocated).toBe(5);
    expect(free).toHaveLength(5);
  });

  it('snapshots, protects, clones across pools, lists children, flattens and cleans up', async () => {
    const data = randomBytes(3 * MiB);
    await volumes.createImage('volume-1', data.length);
    await volumes.withImage('volume-1', {}, async (volume) => {
      await volume.write(0, data);
      await volume.createSnapshot('snap');
      await volume.protectSnapshot('snap');
      expect(await volume.isSnapshotProtected('snap')).toBe(true);
      expect(await volume.listSnapshots()).toEqual([
        expect.objectContaining({ name: 'snap', size: data.length }),
      ]);
    });

    await images.cloneFrom({ pool: volumes, image: 'volume-1', snapshot: 'snap' }, 'clone-1', {
      order: orderForChunkSize(8 * MiB),
    });
    await images.withImage('clone-1', {}, async (clone) => {
      expect(await clone.parent()).toEqual({
        pool: 'volumes',
        poolNamespace: '',
        image: 'volume-1',
        snapshot: 'snap',
      });
      expect(sha256(await clone.read(0, data.length))).toBe(sha256(data));
    });
    await volumes.withImage('volume-1', { snapshot: 'snap', readOnly: true }, async (snap) => {
      expect(await snap.listChildren()).toEqual([
        { pool: 'images', poolNamespace: '', imageId: expect.any(String), image: 'clone-1', trash: false },
      ]);
    });
    await volumes.withImage('volume-1', {}, async (volume) => {
      await expect(volume.unprotectSnapshot('snap')).rejects.toThrow(CephBusyError);
      await expect(volume.removeSnapshot('snap')).rejects.toThrow(CephBusyError);
    });
    await expect(volumes.removeImage('volume-1')).rejects.toThrow(CephBusyError);

    await images.withImage('clone-1', {}, async (clone) => {
      await clone.flatten();
      expect(await clone.parent()).toBeNull();
    });
    await volumes.withImage('volume-1', {}, async (volume) => {
      await volume.setSnapshot('snap');
      expect(await volume.listChildren()).toEqual([]);
      await volume.setSnapshot(null);
      await volume.unprotectSnapshot('snap');
      await volume.removeSnapshot('snap');
      expect(await volume.listSnapshots()).toEqual([]);
    });
    await volumes.removeImage('volume-1');
    // The flattened clone keeps the data on its own.
    expect(
      sha256(await images.withImage('clone-1', { readOnly: true }, (clone) => clone.read(0, data.length))),
    ).toBe(sha256(data));
    await images.removeImage('clone-1');
  });

  it('closes handles once, after the calls in flight, and refuses calls afterwards', async () => {
    await images.createImage('close-test', 8 * MiB);
    const image = await images.openImage('close-test');
    const pending = image.read(0, 8 * MiB);
    const closing = image.close();
    await expect(pending).resolves.toHaveLength(8 * MiB);
    await closing;
    await image.close();
    await expect(image.size()).rejects.toThrow(/closed/);
    await images.removeImage('close-test');
  });

  it('closes the pools and images still open at shutdown', async () => {
    const other = await RadosCluster.connect({
      cephConf: ceph.confPath,
      keyring: ceph.keyringPath,
      user: ceph.user,
    });
    const pool = await other.openPool('images');
    await pool.createImage('shutdown-test', MiB);
    const image = await pool.openImage('shutdown-test');
    await other.shutdown();
    expect(image.closed).toBe(true);
    expect(pool.closed).toBe(true);
    await expect(other.openPool('images')).rejects.toThrow(/closed/);
    // Closed means released: the image has no watcher left and can be removed at once.
    await images.removeImage('shutdown-test');
  });
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
