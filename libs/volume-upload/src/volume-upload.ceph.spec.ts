import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RBD_FEATURES, RadosCluster, type RadosPool } from '@glance-ts/ceph';
import { startCephCluster, type CephTestCluster } from '@glance-ts/testing';
import { uploadVolumeToImage, type UploadVolumeOptions } from './index';

/**
 * The library's Ceph side on a real cluster, against a minimal stand-in for the image service
 * (stores/detail, images, locations, file): clone layout, flatten modes, and a rollback from the
 * last step (the location refused after the clone and its snapshot exist). The whole flow against
 * the real API is apps/api/test/volume-upload.ceph.spec.ts.
 */
const MiB = 1024 * 1024;
jest.setTimeout(120_000);
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

interface FakeImage {
  id: string;
  status: string;
  size: number | null;
  locations: string[];
  sha512?: string;
  [key: string]: unknown;
}

/** Just enough of the Image API; `refuseLocations` answers POST .../locations with 400. */
function fakeImageService(fsid: string) {
  const images = new Map<string, FakeImage>();
  const calls: string[] = [];
  const state = { refuseLocations: false, failUploads: false, sizeOf: (_url: string) => 0 };
  const body = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '';
      calls.push(`${request.method} ${path}`);
      const json = (status: number, value?: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(value === undefined ? '' : JSON.stringify(value));
      };
      const match = /^\/v2\/images\/([^/]+)(\/.*)?$/.exec(path);
      const image = match ? images.get(match[1]) : undefined;
      if (request.method === 'GET' && path === '/v2/info/stores/detail') {
        return json(200, {
          stores: [
            {
              id: 'ceph',
              type: 'rbd',
              default: 'true',
              weight: 0,
              properties: { chunk_size: 8 * MiB, pool: 'images', thin_provisioning: false, fsid },
            },
          ],
        });
      }
      if (request.method === 'POST' && path === '/v2/images') {
        const fields = JSON.parse((await body(request)).toString()) as Record<string, unknown>;
        const created: FakeImage = {
          ...fields,
          id: randomUUID(),
          status: 'queued',
          size: null,
          locations: [],
        };
        images.set(created.id, created);
        return json(201, created);
      }
      if (!image) return json(404, { message: 'The resource could not be found.<br /><br />\n\n\n' });
      if (request.method === 'GET' && !match![2]) return json(200, image);
      if (request.method === 'DELETE' && !match![2]) {
        images.delete(image.id);
        return json(204);
      }
      if (request.method === 'POST' && match![2] === '/locations') {
        const { url } = JSON.parse((await body(request)).toString()) as { url: string };
        if (state.refuseLocations) {
          return json(400, { message: `Invalid location ${url}<br /><br />\n\n\n`, code: '400 Bad Request' });
        }
        image.locations.push(url);
        image.status = 'active';
        image.size = state.sizeOf(url);
        return json(202);
      }
      if (request.method === 'PUT' && match![2] === '/file') {
        const data = await body(request);
        if (state.failUploads) return json(503, { message: 'Store full<br /><br />\n\n\n' });
        Object.assign(image, { status: 'active', size: data.length, sha512: sha512(data) });
        return json(204);
      }
      return json(405, { message: 'no' });
    })().catch(() => response.destroy()); // a client that went away mid-body
  });
  return { server, images, calls, state };
}

describe('uploadVolumeToImage: Ceph side on a real cluster', () => {
  let ceph: CephTestCluster;
  let cluster: RadosCluster;
  let volumes: RadosPool;
  let images: RadosPool;
  let fake: ReturnType<typeof fakeImageService>;
  let url: string;
  let counter = 0;

  beforeAll(async () => {
    ceph = await startCephCluster();
    cluster = await RadosCluster.connect({ cephConf: ceph.confPath, keyring: ceph.keyringPath });
    volumes = await cluster.openPool('volumes');
    images = await cluster.openPool('images');
    fake = fakeImageService(ceph.fsid);
    fake.state.sizeOf = () => 0;
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v2`;
  }, 240_000);

  afterAll(async () => {
    await new Promise((resolve) => fake?.server.close(resolve));
    await cluster?.shutdown();
    await ceph?.stop();
  });

  const createVolume = async (size: number) => {
    const name = `vol-${++counter}`;
    await volumes.createImage(name, size);
    const data = randomBytes(size);
    await volumes.withImage(name, {}, (image) => image.write(0, data));
    return { name, data };
  };
  const options = (volume: string): UploadVolumeOptions => ({
    volume: { cephConf: ceph.confPath, keyring: ceph.keyringPath, pool: 'volumes', image: volume },
    imageService: { url, token: 'any' },
    image: { name: volume },
    enableCloneOptimization: true,
  });
  const snapshotNames = (pool: RadosPool, image: string) =>
    pool.withImage(image, { readOnly: true }, async (open) =>
      (await open.listSnapshots()).map((s) => s.name),
    );
  const readAll = (pool: RadosPool, image: string, snapshot: string) =>
    pool.withImage(image, { snapshot, readOnly: true }, async (open) => open.read(0, await open.size()));

  it('deep-flatten is what lets the volume snapshot go: after flattening, the clone and its snap are no children', async () => {
    const { name } = await createVolume(4 * MiB);
    await volumes.withImage(name, {}, async (volume) => {
      await volume.createSnapshot('s');
      await volume.protectSnapshot('s');
    });
    const parent = { pool: volumes, image: name, snapshot: 's' };
    const childrenOfSnapshot = () =>
      volumes.withImage(name, { snapshot: 's', readOnly: true }, (snapshot) => snapshot.listChildren());
    for (const [child, features] of [
      [`${name}-deep`, RBD_FEATURES.LAYERING | RBD_FEATURES.DEEP_FLATTEN],
      [`${name}-shallow`, RBD_FEATURES.LAYERING],
    ] as const) {
      await images.cloneFrom(parent, child, { features });
      await images.withImage(child, {}, async (clone) => {
        await clone.createSnapshot('snap');
        await clone.protectSnapshot('snap');
        await clone.flatten();
        expect(await clone.parent()).toBeNull();
      });
    }
    // Without deep-flatten the clone's snapshot still holds the parent snapshot.
    expect((await childrenOfSnapshot()).map((child) => child.image)).toEqual([`${name}-shallow`]);
    expect(await snapshotNames(images, `${name}-deep`)).toEqual(['snap']);
  });

  it('flatten never: a clone of the volume snapshot, the store object size, the location posted', async () => {
    const { name, data } = await createVolume(20 * MiB);
    const result = await uploadVolumeToImage(options(name));
    expect(result).toMatchObject({ path: 'cow', store: 'ceph', size: 20 * MiB });
    const id = result.imageId;
    expect(fake.images.get(id)?.locations).toEqual([`rbd://${ceph.fsid}/images/${id}/snap`]);
    await images.withImage(id, { readOnly: true }, async (clone) => {
      expect(await clone.parent()).toEqual(
        expect.objectContaining({ pool: 'volumes', image: name, snapshot: `glance-image-${id}` }),
      );
    });
    expect(await snapshotNames(volumes, name)).toEqual([`glance-image-${id}`]);
    expect(sha512(await readAll(images, id, 'snap'))).toBe(sha512(data));
    const info = JSON.parse(await ceph.rbd(['info', `images/${id}`, '--format', 'json'])) as {
      order: number;
      features: string[];
    };
    expect(info.order).toBe(23);
    // librbd keeps the parent's 4 MiB stripe unit for the clone: with 8 MiB objects that is
    // "fancy striping" (STRIPINGV2); libs/ceph has no stripe options to change it yet.
    expect(info.features).toEqual(expect.arrayContaining(['layering', 'deep-flatten']));
  });

  it('flatten background: resolves once the clone is flat and the volume snapshot removed', async () => {
    const { name, data } = await createVolume(24 * MiB);
    const result = await uploadVolumeToImage({ ...options(name), flatten: 'background' });
    expect(result.path).toBe('cow');
    await result.flatten;
    await images.withImage(result.imageId, { readOnly: true }, async (clone) => {
      expect(await clone.parent()).toBeNull();
    });
    expect(await snapshotNames(images, result.imageId)).toEqual(['snap']);
    expect(await snapshotNames(volumes, name)).toEqual([]);
    await volumes.removeImage(name);
    expect(sha512(await readAll(images, result.imageId, 'snap'))).toBe(sha512(data));
    expect(result.timings.flattenMs).toBeGreaterThan(0);
  });

  it('a refused location rolls back the clone snapshot, the clone, the volume snapshot and the image; then uploads', async () => {
    const { name, data } = await createVolume(6 * MiB);
    const before = await images.listImages();
    fake.state.refuseLocations = true;
    try {
      await expect(uploadVolumeToImage({ ...options(name), fallbackToGeneric: false })).rejects.toThrow(
        /Copy-on-write clone failed and was rolled back: POST \/v2\/images\/.*\/locations failed with 400: Invalid location rbd:\/\//,
      );
      expect(await images.listImages()).toEqual(before);
      expect(await snapshotNames(volumes, name)).toEqual([]);
      expect(fake.images.size).toBe(
        [...fake.images.values()].filter((image) => image.status === 'active').length,
      );

      const calls = fake.calls.length;
      const result = await uploadVolumeToImage(options(name));
      expect(result.path).toBe('generic');
      expect(result.cowError).toMatch(/locations failed with 400/);
      const rolledBack = fake.calls.slice(calls).filter((call) => call.startsWith('DELETE'));
      expect(rolledBack).toHaveLength(1);
      expect(fake.images.get(result.imageId)).toMatchObject({ status: 'active', sha512: sha512(data) });
      expect(await images.listImages()).toEqual(before);
      expect(await snapshotNames(volumes, name)).toEqual([]);
    } finally {
      fake.state.refuseLocations = false;
    }
  });

  it('a failed upload deletes the image and removes the temporary snapshot', async () => {
    const { name } = await createVolume(9 * MiB);
    const count = fake.images.size;
    fake.state.failUploads = true;
    const progress: number[] = [];
    try {
      await expect(
        uploadVolumeToImage({
          ...options(name),
          enableCloneOptimization: false,
          onProgress: (done) => progress.push(done),
        }),
      ).rejects.toThrow(
        /^Uploading volume volumes\/vol-\d+ failed: PUT \/v2\/images\/.*\/file failed with 503: Store full$/,
      );
    } finally {
      fake.state.failUploads = false;
    }
    expect(progress[progress.length - 1]).toBe(9 * MiB);
    expect(fake.images.size).toBe(count);
    expect(await snapshotNames(volumes, name)).toEqual([]);
  });

  it('an abort stops the upload and cleans up the same way', async () => {
    const { name } = await createVolume(64 * MiB);
    const count = fake.images.size;
    const controller = new AbortController();
    await expect(
      uploadVolumeToImage({
        ...options(name),
        enableCloneOptimization: false,
        signal: controller.signal,
        onProgress: (done) => {
          if (done >= 8 * MiB) controller.abort();
        },
      }),
    ).rejects.toThrow(/abort/i);
    expect(fake.images.size).toBe(count);
    expect(await snapshotNames(volumes, name)).toEqual([]);
  });
});
