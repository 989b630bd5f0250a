import { request as httpRequest } from 'node:http';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startCephCluster, type CephResumeTimings, type CephTestCluster } from '@glance-ts/testing';
import { defaultHashWorkerPool } from '../src/images/hash-workers';
import { errorMessage, type ImageApi, md5, randomData, sha512, TOKENS, waitFor } from './support/images';
import { startRbdImageApi } from './support/rbd';

/**
 * The rbd store end to end on a real Ceph cluster (a container from tools/ceph): data written by
 * librbd in the API process, checked with the rbd CLI from outside.
 */
const MiB = 1024 * 1024;
const OCTETS = { 'content-type': 'application/octet-stream' };
jest.setTimeout(120_000);

/** Gathered by the first suite for the check that members never see the cluster's internals. */
let memberErrorBodies: string[] = [];
let clusterFsid = '';

describe('rbd store on a real Ceph cluster', () => {
  let ceph: CephTestCluster;
  let api: ImageApi;

  beforeAll(async () => {
    ceph = await startCephCluster({ pools: ['images', 'volumes', 'thin'] });
    api = await startRbdImageApi(ceph);
  }, 240_000);

  afterAll(async () => {
    memberErrorBodies = api?.errorBodiesSeenByUsers() ?? [];
    clusterFsid = ceph?.fsid ?? '';
    await api?.close();
    await ceph?.stop();
  });

  const create = async (name = 'rbd-image') => {
    const result = await api.call('POST', '/v2/images', TOKENS.member, {
      json: { name, disk_format: 'raw', container_format: 'bare' },
    });
    expect(result.status).toBe(201);
    return result.json as { id: string };
  };
  const show = async (id: string) => (await api.call('GET', `/v2/images/${id}`, TOKENS.member)).json;
  const upload = (id: string, data: Buffer, headers: Record<string, string> = {}) =>
    api.call('PUT', `/v2/images/${id}/file`, TOKENS.member, {
      body: data,
      headers: { ...OCTETS, ...headers },
    });
  const download = (id: string, headers: Record<string, string> = {}) =>
    api.call('GET', `/v2/images/${id}/file`, TOKENS.member, { headers });
  const rbdImages = async (pool = 'images') => (await ceph.rbd(['ls', pool])).split('\n').filter(Boolean);
  const rbdSnapshots = async (image: string, pool = 'images') =>
    JSON.parse(await ceph.rbd(['snap', 'ls', `${pool}/${image}`, '--format', 'json'])) as {
      name: string;
      protected: string;
    }[];

  it('discovery shows the fsid of the live cluster, the pool and the chunk size', async () => {
    const detail = await api.call('GET', '/v2/info/stores/detail', TOKENS.admin);
    expect(detail.status).toBe(200);
    const stores = detail.json.stores as { id: string; type: string; properties: Record<string, unknown> }[];
    expect(stores.find((store) => store.id === 'ceph')).toEqual({
      id: 'ceph',
      type: 'rbd',
      default: 'true',
      weight: 0,
      properties: { chunk_size: 4 * MiB, pool: 'images', thin_provisioning: false, fsid: ceph.fsid },
    });
    expect(stores.find((store) => store.id === 'thin')?.properties).toEqual({
      chunk_size: MiB,
      pool: 'thin',
      thin_provisioning: true,
      fsid: ceph.fsid,
    });
  });

  it('stores an upload as image + protected snapshot, serves it whole and by range, with the checksums', async () => {
    const image = await create();
    const data = randomData(9 * MiB + 4321);
    const put = await upload(image.id, data);
    expect(put.status).toBe(204);
    const shown = await show(image.id);
    expect(shown).toMatchObject({
      status: 'active',
      size: data.length,
      checksum: md5(data),
      os_hash_algo: 'sha512',
      os_hash_value: sha512(data),
      stores: 'ceph',
    });
    expect(await rbdImages()).toContain(image.id);
    expect(await rbdSnapshots(image.id)).toEqual([
      expect.objectContaining({ name: 'snap', protected: 'true' }),
    ]);
    const info = JSON.parse(await ceph.rbd(['info', `images/${image.id}`, '--format', 'json']));
    expect(info).toMatchObject({ size: data.length, order: 22, features: ['layering'] });

    const whole = await download(image.id);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-md5')).toBe(md5(data));
    expect(sha512(whole.body)).toBe(sha512(data));
    const range = await download(image.id, { range: `bytes=${5 * MiB - 10}-${5 * MiB + 99}` });
    expect(range.status).toBe(206);
    expect(range.body).toEqual(data.subarray(5 * MiB - 10, 5 * MiB + 100));
  });

  it('takes a chunked upload of unknown size (the image grows as data arrives)', async () => {
    const image = await create();
    const data = randomData(6 * MiB + 17);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${api.url}/v2/images/${image.id}/file`, {
        method: 'PUT',
        headers: { 'x-auth-token': TOKENS.member, ...OCTETS, 'transfer-encoding': 'chunked' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      for (let offset = 0; offset < data.length; offset += 700_000)
        request.write(data.subarray(offset, offset + 700_000));
      request.end();
    });
    expect(status).toBe(204);
    expect(JSON.parse(await ceph.rbd(['info', `images/${image.id}`, '--format', 'json'])).size).toBe(
      data.length,
    );
    expect(sha512((await download(image.id)).body)).toBe(sha512(data));
  });

  it('with thin provisioning writes no all-zero chunks, and the image still reads back whole', async () => {
    const image = await create();
    const data = Buffer.alloc(8 * MiB);
    randomData(MiB).copy(data, 0);
    randomData(MiB).copy(data, 6 * MiB);
    expect((await upload(image.id, data, { 'x-image-meta-store': 'thin' })).status).toBe(204);
    const usage = JSON.parse(await ceph.rbd(['du', `thin/${image.id}@snap`, '--format', 'json'])) as {
      images: { provisioned_size: number; used_size: number }[];
    };
    expect(usage.images[0].provisioned_size).toBe(8 * MiB);
    expect(usage.images[0].used_size).toBe(2 * MiB);
    expect(sha512((await download(image.id)).body)).toBe(sha512(data));
    expect((await show(image.id)).stores).toBe('thin');
  });

  it('delete removes the snapshot and the image', async () => {
    const image = await create();
    expect((await upload(image.id, randomData(MiB))).status).toBe(204);
    expect(await rbdImages()).toContain(image.id);
    expect((await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.member)).status).toBe(204);
    expect(await rbdImages()).not.toContain(image.id);
    expect((await api.call('GET', `/v2/images/${image.id}`, TOKENS.member)).status).toBe(404);
  });

  it('refuses to delete an image whose snapshot has a clone (409), and changes nothing', async () => {
    const image = await create();
    const data = randomData(2 * MiB);
    expect((await upload(image.id, data)).status).toBe(204);
    await ceph.rbd(['clone', `images/${image.id}@snap`, 'volumes/volume-from-image']);

    const refused = await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.member);
    expect(refused.status).toBe(409);
    expect(errorMessage(refused)).toBe(
      `Image ${image.id} could not be deleted because it is in use: The image cannot be deleted because it is in use through the backend store outside of Glance.`,
    );
    expect((await show(image.id)).status).toBe('active');
    expect(await rbdSnapshots(image.id)).toEqual([
      expect.objectContaining({ name: 'snap', protected: 'true' }),
    ]);
    expect(sha512((await download(image.id)).body)).toBe(sha512(data));

    // Once the volume is gone the image can go too.
    await ceph.rbd(['rm', '--no-progress', 'volumes/volume-from-image']);
    expect((await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.member)).status).toBe(204);
    expect(await rbdImages()).not.toContain(image.id);
  });

  it('an upload to an image id that already exists in the pool is 409 and leaves that RBD image alone', async () => {
    const image = await create();
    await ceph.rbd(['create', '--size', '1', `images/${image.id}`]);
    const put = await upload(image.id, randomData(MiB));
    expect(put.status).toBe(409);
    expect((await show(image.id)).status).toBe('queued');
    expect(await rbdImages()).toContain(image.id);
    expect(JSON.parse(await ceph.rbd(['info', `images/${image.id}`, '--format', 'json'])).size).toBe(MiB);
    await ceph.rbd(['rm', '--no-progress', `images/${image.id}`]);
    // The refused upload's hasher gave its worker lane back.
    expect(defaultHashWorkerPool().laneCounts.busy).toBe(0);
  });

  it('a client that disconnects mid-upload leaves no RBD image and the image queued', async () => {
    const image = await create();
    await new Promise<void>((resolve) => {
      const request = httpRequest(`${api.url}/v2/images/${image.id}/file`, {
        method: 'PUT',
        headers: { 'x-auth-token': TOKENS.member, ...OCTETS, 'content-length': String(64 * MiB) },
      });
      request.on('error', () => resolve());
      request.on('close', () => resolve());
      // Enough for several chunk writes to have reached the cluster before the connection drops.
      request.write(randomData(12 * MiB), () => setTimeout(() => request.destroy(), 200));
    });
    await waitFor(async () => (await show(image.id)).status === 'queued', 10_000, 'image back to queued');
    await waitFor(async () => !(await rbdImages()).includes(image.id), 10_000, 'partial RBD image removed');
    expect((await upload(image.id, randomData(10))).status).toBe(204);
  });

  it('the location API takes an RBD snapshot of this cluster and pool, hashes it, and refuses others', async () => {
    const data = randomData(5 * MiB + 99);
    const source = join(api.dir, 'placed.raw');
    writeFileSync(source, data);
    // What a volume service does: its own RBD image in the store's pool, snapshotted and protected.
    await ceph.rbd(['import', '--no-progress', source, 'images/placed-by-service']);
    await ceph.rbd(['snap', 'create', 'images/placed-by-service@snap']);
    await ceph.rbd(['snap', 'protect', 'images/placed-by-service@snap']);
    const id = (await create('by-location')).id;
    const add = (url: string, token: string = TOKENS.serviceAdmin) =>
      api.call('POST', `/v2/images/${id}/locations`, token, { json: { url } });
    // Only a caller with the service role may point an image at RBD data (OSSN-0065); the owner's
    // member is told so without a word about the cluster.
    const byMember = await add(`rbd://${ceph.fsid}/images/placed-by-service/snap`, TOKENS.member);
    expect([byMember.status, errorMessage(byMember)]).toEqual([
      403,
      'http store must be enabled to use location API by normal user.',
    ]);

    const refusals: [string, RegExp][] = [
      [
        `rbd://00000000-0000-0000-0000-000000000000/images/placed-by-service/snap`,
        /it is not in store ceph \(cluster .*, pool images\) or thin/,
      ],
      [`rbd://${ceph.fsid}/volumes/placed-by-service/snap`, /it is not in store ceph/],
      [
        `rbd://${ceph.fsid}/images/placed-by-service/other-snap`,
        /no snapshot other-snap of image placed-by-service in pool images/,
      ],
      [
        `rbd://${ceph.fsid}/images/no-such-image/snap`,
        /no snapshot snap of image no-such-image in pool images/,
      ],
      ['rbd://placed-by-service', /an rbd location must be rbd:\/\/<fsid>\/<pool>\/<image>\/<snapshot>/],
    ];
    for (const [url, message] of refusals) {
      const refused = await add(url);
      expect(refused.status).toBe(400);
      expect(errorMessage(refused)).toMatch(message);
    }
    expect((await show(id)).status).toBe('queued');

    const url = `rbd://${ceph.fsid}/images/placed-by-service/snap`;
    expect((await add(url)).status).toBe(202);
    expect(await show(id)).toMatchObject({ status: 'active', size: data.length, stores: 'ceph' });
    await waitFor(async () => (await show(id)).os_hash_value !== null, 20_000, 'background hash');
    expect(await show(id)).toMatchObject({ checksum: md5(data), os_hash_value: sha512(data) });
    expect(sha512((await download(id)).body)).toBe(sha512(data));
    // Deleting the image removes the data it points to, snapshot first, as for uploaded images.
    expect((await api.call('DELETE', `/v2/images/${id}`, TOKENS.admin)).status).toBe(204);
    expect(await rbdImages()).not.toContain('placed-by-service');
  });

  it("gives a direct_url Cinder's _is_cloneable accepts: this cluster's fsid, the pool, a readable snapshot", async () => {
    const withUrl = await startRbdImageApi(ceph, { extraDefault: 'show_image_direct_url = true' });
    try {
      const id = (
        await withUrl.call('POST', '/v2/images', TOKENS.member, {
          json: { name: 'cloneable', disk_format: 'raw', container_format: 'bare' },
        })
      ).json.id as string;
      const data = randomData(3 * MiB + 5);
      const put = await withUrl.call('PUT', `/v2/images/${id}/file`, TOKENS.member, {
        body: data,
        headers: OCTETS,
      });
      expect(put.status).toBe(204);
      const body = (await withUrl.call('GET', `/v2/images/${id}`, TOKENS.member)).json;
      // Cinder's RBDDriver._parse_location: rbd:// and four unquoted parts, none empty.
      const location = body.direct_url as string;
      expect(location.startsWith('rbd://')).toBe(true);
      const pieces = location.slice('rbd://'.length).split('/').map(decodeURIComponent);
      expect(pieces).toHaveLength(4);
      expect(pieces.every((piece) => piece.length > 0)).toBe(true);
      const [fsid, pool, image, snapshot] = pieces;
      // _is_cloneable: the fsid is its cluster's, and the snapshot opens read-only with the data.
      expect([fsid, pool, image, snapshot]).toEqual([ceph.fsid, 'images', id, 'snap']);
      const info = JSON.parse(await ceph.rbd(['info', `${pool}/${image}@${snapshot}`, '--format', 'json']));
      expect(info).toMatchObject({ name: image, size: data.length, protected: 'true' });
      expect(body.virtual_size).toBe(data.length);
    } finally {
      await withUrl.close();
    }
  });

  it('a stopped cluster fails rbd requests fast with 503; discovery, the file store and file copies still answer; then it recovers', async () => {
    const kept = await create('kept-in-ceph');
    const data = randomData(3 * MiB);
    expect((await upload(kept.id, data)).status).toBe(204);
    // An image in two stores: rbd first, then a copy in the file store (written by that store's
    // driver, as a copy-image import would).
    const twice = await create('in-ceph-and-local');
    const twiceData = randomData(2 * MiB);
    expect((await upload(twice.id, twiceData)).status).toBe(204);
    const local = api.runtime.stores.getDataStore('local')!;
    const copy = await local.add(twice.id, Readable.from([twiceData]));
    await api.runtime.database.images.addLocation(twice.id, {
      url: copy.url,
      metadata: { store: 'local' },
      status: 'active',
    });
    expect((await show(twice.id)).stores).toBe('ceph,local');

    let resumeTimings: CephResumeTimings = { monitorMs: 0, osdIoMs: 0, repeered: false };
    await ceph.pause();
    try {
      // The first request may wait out the 10 s operation timeout; from then on the store knows.
      const first = await download(kept.id);
      expect(first.status).toBe(503);
      await waitFor(
        async () => {
          const started = Date.now();
          const answer = await download(kept.id);
          return answer.status === 503 && Date.now() - started < 1000;
        },
        20_000,
        'rbd download failing fast',
      );
      const failed = await download(kept.id);
      expect(failed.status).toBe(503);
      // The member hears which store; the operator also why (its cluster, since when, its pool).
      expect(errorMessage(failed)).toBe(
        `Image data of ${kept.id} is unavailable: Store ceph is unavailable.`,
      );
      const forAdmin = await api.call('GET', `/v2/images/${kept.id}/file`, TOKENS.admin);
      expect(errorMessage(forAdmin)).toMatch(
        /Store ceph cannot reach its Ceph cluster since .* \(pool images\)/,
      );

      const other = await create('while-ceph-is-down');
      const refused = await upload(other.id, randomData(MiB));
      expect(refused.status).toBe(503);
      expect((await show(other.id)).status).toBe('queued');
      expect(defaultHashWorkerPool().laneCounts.busy).toBe(0);

      const detail = await api.call('GET', '/v2/info/stores/detail', TOKENS.admin);
      expect(detail.status).toBe(200);
      expect(detail.json.stores[0].properties.fsid).toBe(ceph.fsid);
      expect((await api.call('GET', '/v2/info/stores', TOKENS.member)).status).toBe(200);
      // The image with a second copy downloads from the file store.
      const fromLocal = await download(twice.id);
      expect(fromLocal.status).toBe(200);
      expect(sha512(fromLocal.body)).toBe(sha512(twiceData));

      const local = await create('file-store-while-ceph-is-down');
      const localData = randomData(MiB);
      expect((await upload(local.id, localData, { 'x-image-meta-store': 'local' })).status).toBe(204);
      expect(sha512((await download(local.id)).body)).toBe(sha512(localData));
    } finally {
      resumeTimings = await ceph.resume();
    }
    // Same process, same connection: librados reconnects and the probe notices. The cluster serves
    // I/O again (resume waited for it); the store's probe sees it within its down interval.
    let last = '';
    const resumed = Date.now();
    try {
      await waitFor(
        async () => {
          const answer = await download(kept.id);
          last = `${answer.status} ${answer.status === 200 ? '' : answer.text.slice(0, 300)}`;
          return answer.status === 200;
        },
        60_000,
        'rbd store recovered',
      );
    } catch (error) {
      // The store's own account (its link to the cluster) and the last requests.
      const linkLines = api.logs.filter((line) => line.includes('"msg":"store ceph')).slice(-20);
      const storeLines = [...linkLines, ...api.logs.filter((line) => /rados|ceph/i.test(line)).slice(-3)];
      throw new Error(
        `${(error as Error).message}; last answer: ${last}; the API logged:\n${storeLines.join('')}`,
      );
    }
    // For the flakiness measurement (CEPH_RESUME_TIMINGS_FILE): when the monitor answered, when OSD
    // I/O worked, when the store served again, in ms after `docker unpause`.
    if (process.env.CEPH_RESUME_TIMINGS_FILE) {
      const storeMs = resumeTimings.osdIoMs + (Date.now() - resumed);
      appendFileSync(
        process.env.CEPH_RESUME_TIMINGS_FILE,
        `${JSON.stringify({ ...resumeTimings, storeMs })}\n`,
      );
    }
    expect(sha512((await download(kept.id)).body)).toBe(sha512(data));
    const after = await create('after-recovery');
    expect((await upload(after.id, randomData(MiB))).status).toBe(204);
    // Deleting the two-store image removes both copies.
    expect((await api.call('DELETE', `/v2/images/${twice.id}`, TOKENS.member)).status).toBe(204);
    expect(await rbdImages()).not.toContain(twice.id);
    expect(existsSync(fileURLToPath(copy.url))).toBe(false);
  }, 300_000); // resume() may wait up to 180 s for the cluster, then prints why it did not come back
});

describe('what members learn of the cluster', () => {
  it('is nothing: no error body a member, reader or other project received above named the fsid', () => {
    // The suite above shares its API; its bodies are gathered through errorBodiesSeenByUsers.
    expect(memberErrorBodies.length).toBeGreaterThanOrEqual(1);
    for (const body of memberErrorBodies) {
      expect(body).not.toContain(clusterFsid);
      expect(body).not.toMatch(/pool images|ceph\.conf|keyring/);
    }
  });
});

describe('rbd store whose cluster cannot be reached at start-up', () => {
  let ceph: CephTestCluster;
  let api: ImageApi;

  beforeAll(async () => {
    ceph = await startCephCluster({ pools: ['images', 'thin'] });
  }, 240_000);

  afterAll(async () => {
    await api?.close();
    await ceph?.stop();
  });

  it('starts at once, reports fsid null, refuses rbd uploads with 503 and serves everything else', async () => {
    // A ceph.conf whose monitor never answers (TEST-NET-1).
    const deadConf = join(ceph.confPath, '..', 'dead-ceph.conf');
    writeFileSync(deadConf, `[global]\nmon_host = 192.0.2.1:6789\nkeyring = ${ceph.keyringPath}\n`);
    api = await startRbdImageApi(ceph, { cephConf: deadConf, connected: false });

    const detail = await api.call('GET', '/v2/info/stores/detail', TOKENS.admin);
    expect(detail.status).toBe(200);
    expect(detail.json.stores[0].properties).toEqual({
      chunk_size: 4 * MiB,
      pool: 'images',
      thin_provisioning: false,
      fsid: null,
    });
    const image = (await api.call('POST', '/v2/images', TOKENS.member, { json: { name: 'x' } })).json;
    const refused = await api.call('PUT', `/v2/images/${image.id}/file`, TOKENS.member, {
      body: randomData(1000),
      headers: OCTETS,
    });
    expect(refused.status).toBe(503);
    expect(errorMessage(refused)).toBe('Store ceph is unavailable.');
    const forAdmin = await api.call('PUT', `/v2/images/${image.id}/file`, TOKENS.admin, {
      body: randomData(1000),
      headers: OCTETS,
    });
    expect(errorMessage(forAdmin)).toMatch(/Store ceph has not reached its Ceph cluster yet \(pool images\)/);
    const local = await api.call('PUT', `/v2/images/${image.id}/file`, TOKENS.member, {
      body: randomData(1000),
      headers: { ...OCTETS, 'x-image-meta-store': 'local' },
    });
    expect(local.status).toBe(204);
  });
});
