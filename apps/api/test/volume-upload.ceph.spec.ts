import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RadosCluster } from '@glance-ts/ceph';
import {
  provisionImageCloud,
  startCephCluster,
  startKeystone,
  type CephTestCluster,
} from '@glance-ts/testing';
import {
  uploadVolumeToImage,
  type UploadVolumeOptions,
  type UploadVolumeResult,
  type VolumeRef,
} from '@glance-ts/volume-upload';
import { noMultiStoreWithTokens, tokenFiles } from './support/configs';
import { call, type ImageApi, sha512, TOKENS, waitFor } from './support/images';
import { rbdImagesConfig, startRbdImageApi } from './support/rbd';
import { startApi } from './support/test-api';

/**
 * The volume service's side of "expose store specific details": @glance-ts/volume-upload turns an
 * RBD volume into an image, by copy-on-write clone when the image service's rbd store is on the
 * volume's own cluster, else by streaming the bytes. Cluster A has the API's stores (pools images,
 * thin) and volumes; cluster B (another fsid) has only volumes. Checked from outside with the rbd CLI.
 */
const MiB = 1024 * 1024;
jest.setTimeout(180_000);

interface RbdInfo {
  size: number;
  order: number;
  features: string[];
  parent?: { pool: string; image: string; snapshot: string };
}

describe('volume → image with @glance-ts/volume-upload on real Ceph clusters', () => {
  let cephA: CephTestCluster;
  let cephB: CephTestCluster;
  let api: ImageApi;
  let work: string;
  let counter = 0;

  beforeAll(async () => {
    [cephA, cephB] = await Promise.all([
      startCephCluster({ pools: ['images', 'volumes', 'thin'], osdSizeGiB: 2 }),
      startCephCluster({ pools: ['volumes'] }),
    ]);
    api = await startRbdImageApi(cephA);
    work = mkdtempSync(join(tmpdir(), 'glance-ts-volume-upload-'));
  }, 240_000);

  afterAll(async () => {
    await api?.close();
    await Promise.all([cephA?.stop(), cephB?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const volumeRef = (ceph: CephTestCluster, image: string): VolumeRef => ({
    cephConf: ceph.confPath,
    keyring: ceph.keyringPath,
    user: ceph.user,
    pool: 'volumes',
    image,
  });

  /**
   * A volume of `size` bytes with random data in some 4 MiB chunks only (the rest never written,
   * so it reads as zeros), written through librbd. Returns its name and expected content.
   */
  const createVolume = async (ceph: CephTestCluster, size: number) => {
    const name = `volume-${++counter}`;
    await ceph.rbd(['create', '--size', `${size / MiB}M`, `volumes/${name}`]);
    const expected = Buffer.alloc(size);
    const cluster = await RadosCluster.connect({ cephConf: ceph.confPath, keyring: ceph.keyringPath });
    try {
      await cluster.withPool('volumes', (pool) =>
        pool.withImage(name, {}, async (image) => {
          for (let offset = 0; offset < size; offset += 4 * MiB) {
            if ((offset / (4 * MiB)) % 3 === 1) continue; // a third of the chunks stay unwritten
            const length = Math.min(4 * MiB, size - offset) - (offset === 0 ? 4096 : 0);
            const data = randomBytes(length);
            await image.write(offset, data);
            data.copy(expected, offset);
          }
        }),
      );
    } finally {
      await cluster.shutdown();
    }
    return { name, expected };
  };

  const upload = async (options: Partial<UploadVolumeOptions> & { volume: VolumeRef }) => {
    const result = await uploadVolumeToImage({
      // What Cinder's user has: admin (to create images anywhere) and service (to add RBD locations,
      // which Glance allows the service role only, OSSN-0065).
      imageService: { url: api.url, token: TOKENS.serviceAdmin },
      image: { name: `from-${options.volume.image}`, properties: { source_volume: options.volume.image } },
      ...options,
    });
    return result;
  };

  const download = async (id: string) => {
    const answer = await api.call('GET', `/v2/images/${id}/file`, TOKENS.admin);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const show = async (id: string) => api.call('GET', `/v2/images/${id}`, TOKENS.admin);
  const rbdInfo = async (ceph: CephTestCluster, spec: string) =>
    JSON.parse(await ceph.rbd(['info', spec, '--format', 'json'])) as RbdInfo;
  const rbdImages = async (ceph: CephTestCluster, pool: string) =>
    (await ceph.rbd(['ls', pool])).split('\n').filter(Boolean);
  const snapshots = async (ceph: CephTestCluster, spec: string) =>
    JSON.parse(await ceph.rbd(['snap', 'ls', spec, '--format', 'json'])) as {
      name: string;
      protected: string;
    }[];
  const children = async (ceph: CephTestCluster, spec: string) =>
    (await ceph.rbd(['children', spec])).split('\n').filter(Boolean);

  const expectActive = async (result: UploadVolumeResult, expected: Buffer, store = 'ceph') => {
    const image = await show(result.imageId);
    expect(image.status).toBe(200);
    expect(image.json).toMatchObject({
      status: 'active',
      size: expected.length,
      disk_format: 'raw',
      container_format: 'bare',
      stores: store,
    });
    expect(sha512(await download(result.imageId))).toBe(sha512(expected));
  };

  it('(a) COW on the same cluster: an rbd clone of a volume snapshot, same bytes, readable while the volume exists', async () => {
    const { name, expected } = await createVolume(cephA, 40 * MiB);
    const result = await upload({ volume: volumeRef(cephA, name), enableCloneOptimization: true });
    expect(result).toMatchObject({
      path: 'cow',
      reason: 'copy-on-write clone',
      store: 'ceph',
      size: 40 * MiB,
    });
    expect(result.cowError).toBeUndefined();
    expect(result.flatten).toBeUndefined();
    const info = await rbdInfo(cephA, `images/${result.imageId}`);
    expect(info.parent).toMatchObject({
      pool: 'volumes',
      image: name,
      snapshot: `glance-image-${result.imageId}`,
    });
    expect(info.order).toBe(22); // the store's chunk size, 4 MiB
    expect(info.features).toEqual(expect.arrayContaining(['layering', 'deep-flatten']));
    expect(await snapshots(cephA, `images/${result.imageId}`)).toEqual([
      expect.objectContaining({ name: 'snap', protected: 'true' }),
    ]);
    expect(await snapshots(cephA, `volumes/${name}`)).toEqual([
      expect.objectContaining({ name: `glance-image-${result.imageId}`, protected: 'true' }),
    ]);
    await expectActive(result, expected);
    const locations = await api.call('GET', `/v2/images/${result.imageId}/locations`, TOKENS.admin);
    expect(locations.status).toBe(200);
    expect(locations.json).toEqual([
      { url: `rbd://${cephA.fsid}/images/${result.imageId}/snap`, metadata: { store: 'ceph' } },
    ]);
    // The image service hashes the clone's data in the background.
    await waitFor(
      async () => (await show(result.imageId)).json.os_hash_value === sha512(expected),
      30_000,
      'os_hash_value computed in the background',
    );
    // The volume changing afterwards does not change the image.
    const cluster = await RadosCluster.connect({ cephConf: cephA.confPath, keyring: cephA.keyringPath });
    await cluster.withPool('volumes', (pool) =>
      pool.withImage(name, {}, (image) => image.write(4 * MiB, randomBytes(MiB))),
    );
    await cluster.shutdown();
    expect(sha512(await download(result.imageId))).toBe(sha512(expected));
  });

  it('(b) clone optimization off: the bytes are streamed, the temporary snapshot removed', async () => {
    const { name, expected } = await createVolume(cephA, 128 * MiB);
    const progress: number[] = [];
    const result = await upload({
      volume: volumeRef(cephA, name),
      onProgress: (done, total) => {
        expect(total).toBe(128 * MiB);
        progress.push(done);
      },
    });
    expect(result).toMatchObject({ path: 'generic', reason: 'clone optimization is off', store: 'ceph' });
    expect(progress[progress.length - 1]).toBe(128 * MiB);
    expect(progress.length).toBeGreaterThan(10);
    const info = await rbdInfo(cephA, `images/${result.imageId}`);
    expect(info.parent).toBeUndefined();
    expect(await snapshots(cephA, `volumes/${name}`)).toEqual([]);
    await expectActive(result, expected);
  });

  it('(b2) a non-rbd store or a non-raw format takes the generic path and says why', async () => {
    const { name, expected } = await createVolume(cephA, 8 * MiB);
    const local = await upload({
      volume: volumeRef(cephA, name),
      enableCloneOptimization: true,
      store: 'local',
    });
    expect(local).toMatchObject({ path: 'generic', reason: 'store local is file, not rbd', store: 'local' });
    await expectActive(local, expected, 'local');
    // A non-raw format takes the generic path, where the image service inspects the bytes: a raw
    // volume declared qcow2 is refused as Glance HEAD refuses it (415), and nothing is left.
    const before = (await api.call('GET', '/v2/images?limit=1000', TOKENS.admin)).json.images.length;
    await expect(
      upload({
        volume: volumeRef(cephA, name),
        enableCloneOptimization: true,
        image: { name: 'qcow', diskFormat: 'qcow2' },
      }),
    ).rejects.toThrow(/PUT .* failed with 415: .*Image disk_format qcow2 does not match stream data raw/);
    expect((await api.call('GET', '/v2/images?limit=1000', TOKENS.admin)).json.images.length).toBe(before);
    expect(await snapshots(cephA, `volumes/${name}`)).toEqual([]);
  });

  it('(b3) an image service without multi-store: generic path, no store header, the reason says so', async () => {
    const single = await startApi(noMultiStoreWithTokens(), { files: tokenFiles() });
    try {
      const { name, expected } = await createVolume(cephA, 6 * MiB);
      const result = await uploadVolumeToImage({
        volume: volumeRef(cephA, name),
        imageService: { url: `${single.url}/v2`, token: TOKENS.admin },
        image: { name },
        enableCloneOptimization: true,
      });
      expect(result).toMatchObject({
        path: 'generic',
        reason:
          'the image service does not expose store details (Multi backend is not supported at this site.)',
      });
      const data = await call(single.url, 'GET', `/v2/images/${result.imageId}/file`, TOKENS.admin);
      expect(data.status).toBe(200);
      expect(sha512(data.body)).toBe(sha512(expected));
      await expect(
        uploadVolumeToImage({
          volume: volumeRef(cephA, name),
          imageService: { url: single.url, token: TOKENS.admin },
          image: { name },
          store: 'ceph',
        }),
      ).rejects.toThrow('Store ceph was requested, but the image service has no multiple stores');
      expect(await snapshots(cephA, `volumes/${name}`)).toEqual([]);
    } finally {
      await single.close();
    }
  });

  it('(c) a volume on another cluster: generic path, the reason names both fsids', async () => {
    const { name, expected } = await createVolume(cephB, 24 * MiB);
    const result = await upload({ volume: volumeRef(cephB, name), enableCloneOptimization: true });
    expect(result.path).toBe('generic');
    expect(result.reason).toBe(`store ceph is on cluster ${cephA.fsid}, the volume on ${cephB.fsid}`);
    expect(await snapshots(cephB, `volumes/${name}`)).toEqual([]);
    await expectActive(result, expected);
  });

  describe('(d) a clone that fails for real (the volume user may not write to the store pool)', () => {
    // Cinder's own cephx user with rbd rights on its pool only: snapshots work, rbd_clone3 into
    // pool images fails with EPERM.
    let restricted: VolumeRef;
    beforeAll(async () => {
      const keyring = await cephA.ceph([
        'auth',
        'get-or-create',
        'client.volumes-only',
        'mon',
        'profile rbd',
        'osd',
        'profile rbd pool=volumes',
      ]);
      const path = join(work, 'volumes-only.keyring');
      writeFileSync(path, keyring.endsWith('\n') ? keyring : `${keyring}\n`);
      restricted = {
        cephConf: cephA.confPath,
        keyring: path,
        user: 'volumes-only',
        pool: 'volumes',
        image: '',
      };
    });

    const imageIds = async () => {
      const list = await api.call('GET', '/v2/images?limit=1000', TOKENS.admin);
      return (list.json.images as { id: string }[]).map((image) => image.id);
    };

    it('rolls back everything it created, then streams the bytes', async () => {
      const { name, expected } = await createVolume(cephA, 12 * MiB);
      const before = await imageIds();
      const imagesBefore = await rbdImages(cephA, 'images');
      const result = await upload({ volume: { ...restricted, image: name }, enableCloneOptimization: true });
      expect(result.path).toBe('generic');
      expect(result.cowError).toMatch(/rbd_clone3\(volumes\/.* → images\/.*\) failed: EPERM/);
      expect(result.reason).toContain('copy-on-write clone failed and was rolled back');
      // The rolled-back image: the one new id besides the result's is gone (404).
      const rolledBack = /images\/([0-9a-f-]{36})\)/.exec(result.cowError!)![1];
      expect(rolledBack).not.toBe(result.imageId);
      expect((await show(rolledBack)).status).toBe(404);
      expect((await imageIds()).filter((id) => !before.includes(id))).toEqual([result.imageId]);
      expect(await snapshots(cephA, `volumes/${name}`)).toEqual([]);
      // The generic upload went through the API's own rbd user: only its image is new in the pool.
      expect((await rbdImages(cephA, 'images')).filter((id) => !imagesBefore.includes(id))).toEqual([
        result.imageId,
      ]);
      await expectActive(result, expected);
    });

    it('with fallbackToGeneric false it rejects, leaving nothing behind', async () => {
      const { name } = await createVolume(cephA, 4 * MiB);
      const before = await imageIds();
      const imagesBefore = await rbdImages(cephA, 'images');
      await expect(
        upload({
          volume: { ...restricted, image: name },
          enableCloneOptimization: true,
          fallbackToGeneric: false,
        }),
      ).rejects.toThrow(/Copy-on-write clone failed and was rolled back: rbd_clone3\(.*\) failed: EPERM/);
      expect((await imageIds()).filter((id) => !before.includes(id))).toEqual([]);
      expect(await snapshots(cephA, `volumes/${name}`)).toEqual([]);
      expect(await rbdImages(cephA, 'images')).toEqual(imagesBefore);
    });
  });

  it('(e) background flatten: the volume snapshot goes away, the volume can be deleted, the image stays', async () => {
    const { name, expected } = await createVolume(cephA, 32 * MiB);
    const result = await upload({
      volume: volumeRef(cephA, name),
      enableCloneOptimization: true,
      flatten: 'background',
    });
    expect(result.path).toBe('cow');
    expect(result.flatten).toBeInstanceOf(Promise);
    await expectActive(result, expected); // readable while the flatten runs
    await result.flatten;
    const info = await rbdInfo(cephA, `images/${result.imageId}`);
    expect(info.parent).toBeUndefined();
    expect(await snapshots(cephA, `images/${result.imageId}`)).toEqual([
      expect.objectContaining({ name: 'snap', protected: 'true' }),
    ]);
    expect(await snapshots(cephA, `volumes/${name}`)).toEqual([]);
    await cephA.rbd(['rm', '--no-progress', `volumes/${name}`]);
    expect(await rbdImages(cephA, 'volumes')).not.toContain(name);
    expect(sha512(await download(result.imageId))).toBe(sha512(expected));
  });

  it('(f) sync flatten: the clone has no parent when the call returns', async () => {
    const { name, expected } = await createVolume(cephA, 16 * MiB);
    const result = await upload({
      volume: volumeRef(cephA, name),
      enableCloneOptimization: true,
      flatten: 'sync',
    });
    expect(result.path).toBe('cow');
    expect(result.flatten).toBeUndefined();
    expect((await rbdInfo(cephA, `images/${result.imageId}`)).parent).toBeUndefined();
    // Deep-flatten detached the clone's `snap` as well: the volume snapshot could be removed.
    expect(await snapshots(cephA, `volumes/${name}`)).toEqual([]);
    await expectActive(result, expected);
    await cephA.rbd(['rm', '--no-progress', `volumes/${name}`]);
    expect(sha512(await download(result.imageId))).toBe(sha512(expected));
  });

  it('(g) deleting a COW image through the API removes the clone; the volume snapshot can then go', async () => {
    const { name } = await createVolume(cephA, 8 * MiB);
    const result = await upload({ volume: volumeRef(cephA, name), enableCloneOptimization: true });
    const snapshot = `volumes/${name}@glance-image-${result.imageId}`;
    expect(await children(cephA, snapshot)).toEqual([`images/${result.imageId}`]);
    expect((await api.call('DELETE', `/v2/images/${result.imageId}`, TOKENS.admin)).status).toBe(204);
    expect(await rbdImages(cephA, 'images')).not.toContain(result.imageId);
    expect(await children(cephA, snapshot)).toEqual([]);
    await cephA.rbd(['snap', 'unprotect', snapshot]);
    await cephA.rbd(['snap', 'rm', '--no-progress', snapshot]);
    await cephA.rbd(['rm', '--no-progress', `volumes/${name}`]);
  });

  it('(h) members get no store details and cannot add locations; the upload says what the token lacks', async () => {
    const { name } = await createVolume(cephA, 4 * MiB);
    const result = await upload({ volume: volumeRef(cephA, name), enableCloneOptimization: true });
    const detail = await api.call('GET', '/v2/info/stores/detail', TOKENS.member);
    expect(detail.status).toBe(403);

    const created = await api.call('POST', '/v2/images', TOKENS.admin, {
      json: { name: 'queued', disk_format: 'raw', container_format: 'bare' },
    });
    expect(created.status).toBe(201);
    const url = `rbd://${cephA.fsid}/images/${result.imageId}/snap`;
    // Another project's private image: not even visible (404).
    for (const token of [TOKENS.otherMember, TOKENS.member]) {
      const refused = await api.call('POST', `/v2/images/${created.json.id}/locations`, token, {
        json: { url },
      });
      expect(refused.status).toBe(404);
    }
    // A public one is visible, but only the service role or the owner's members may add locations.
    const shared = await api.call('POST', '/v2/images', TOKENS.admin, {
      json: { name: 'public-queued', disk_format: 'raw', container_format: 'bare', visibility: 'public' },
    });
    expect(shared.status).toBe(201);
    const forbidden = await api.call('POST', `/v2/images/${shared.json.id}/locations`, TOKENS.otherMember, {
      json: { url },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json).toMatchObject({ title: 'Forbidden' });
    for (const id of [created.json.id, shared.json.id]) {
      expect((await show(id)).json.status).toBe('queued');
    }

    await expect(
      uploadVolumeToImage({
        volume: volumeRef(cephA, name),
        imageService: { url: api.url, token: TOKENS.member },
        image: { name: 'by-a-member' },
        enableCloneOptimization: true,
      }),
    ).rejects.toThrow(
      /refused the store details \(GET \/v2\/info\/stores\/detail: 403 .*\): uploading a volume needs a token with the service or admin role/,
    );
    // Nothing was created on the volume.
    expect(await snapshots(cephA, `volumes/${name}`)).toEqual([
      expect.objectContaining({ name: `glance-image-${result.imageId}` }),
    ]);
  });

  it('(i) with Keystone credentials instead of a token: logs in, finds glance-ts in the catalog, clones', async () => {
    const keystone = await startKeystone();
    let ksApi: Awaited<ReturnType<typeof startApi>> | undefined;
    try {
      const cloud = await provisionImageCloud(keystone);
      const config = rbdImagesConfig(cephA).replace(
        'strategy = token_file\ntoken_file = dev-tokens.yaml',
        `strategy = keystone\n${cloud.authtokenSection()}`,
      );
      ksApi = await startApi(config);
      const api = ksApi;
      await keystone.registerService({ type: 'image', name: 'glance', url: api.url });
      // A Cinder-like user: the service role (store details, RBD locations) and member (add_image).
      await keystone.assignRole(cloud.nova.id, cloud.serviceProjectId, 'member');
      const nova = await cloud.token(cloud.nova);
      await waitFor(
        async () => {
          const detail = await call(api.url, 'GET', '/v2/info/stores/detail', nova);
          return detail.status === 200 && Boolean(detail.json.stores[0].properties.fsid);
        },
        120_000,
        'rbd store connected',
      );
      const { name, expected } = await createVolume(cephA, 12 * MiB);
      const result = await uploadVolumeToImage({
        volume: volumeRef(cephA, name),
        enableCloneOptimization: true,
        image: { name: 'from-keystone-login' },
        imageService: {
          keystone: {
            authUrl: keystone.url,
            username: 'nova',
            password: cloud.nova.password,
            projectName: 'service',
          },
        },
      });
      expect(result).toMatchObject({ path: 'cow', store: 'ceph', size: 12 * MiB });
      const image = await call(api.url, 'GET', `/v2/images/${result.imageId}`, nova);
      expect(image.json).toMatchObject({ status: 'active', owner: cloud.serviceProjectId });
      const data = await call(api.url, 'GET', `/v2/images/${result.imageId}/file`, nova);
      expect(sha512(data.body)).toBe(sha512(expected));
      expect((await call(api.url, 'DELETE', `/v2/images/${result.imageId}`, nova)).status).toBe(204);
    } finally {
      await ksApi?.close();
      await keystone.dispose();
    }
  }, 120_000);
});
