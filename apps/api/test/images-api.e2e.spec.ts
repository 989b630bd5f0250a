// The image API end to end over HTTP, on SQLite and on PostgreSQL: the same suite for both.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glanceTsConnections, testDatabaseConnection } from '@glance-ts/db/testing';
import { tokenFiles } from './support/configs';
import { startApi } from './support/test-api';
import {
  call,
  DIALECTS,
  errorMessage,
  type ImageApi,
  imagesConfig,
  md5,
  MEMBER_PROJECT,
  randomData,
  sha512,
  startImageApi,
  TOKENS,
  waitFor,
} from './support/images';

const MiB = 1024 * 1024;
const OCTETS = { 'content-type': 'application/octet-stream' };
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe.each(DIALECTS)('images API on %s', (dialect) => {
  let api: ImageApi;
  beforeAll(async () => {
    api = await startImageApi(dialect, 'image_size_cap = 4194304');
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = async (body: Record<string, unknown> = {}, token: string = TOKENS.member) => {
    const result = await api.call('POST', '/v2/images', token, {
      json: { name: 'img', disk_format: 'raw', container_format: 'bare', ...body },
    });
    expect(result.status).toBe(201);
    return result.json as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const upload = (
    id: string,
    data: Buffer,
    headers: Record<string, string> = {},
    token: string = TOKENS.member,
  ) => api.call('PUT', `/v2/images/${id}/file`, token, { body: data, headers: { ...OCTETS, ...headers } });
  const show = async (id: string, token: string = TOKENS.member) =>
    (await api.call('GET', `/v2/images/${id}`, token)).json;

  describe('create', () => {
    it('answers 201 with the queued image in Glance key order and a Location', async () => {
      const result = await api.call('POST', '/v2/images', TOKENS.member, {
        json: {
          name: 'cirros',
          disk_format: 'qcow2',
          container_format: 'bare',
          os_distro: 'cirros',
          tags: ['a', 'b'],
        },
      });
      expect(result.status).toBe(201);
      const image = result.json;
      expect(result.headers.get('location')).toBe(`${api.url}/v2/images/${image.id}`);
      expect(Object.keys(image)).toEqual([
        'os_distro',
        'name',
        'disk_format',
        'container_format',
        'visibility',
        'size',
        'virtual_size',
        'status',
        'checksum',
        'protected',
        'min_ram',
        'min_disk',
        'owner',
        'os_hidden',
        'os_hash_algo',
        'os_hash_value',
        'id',
        'created_at',
        'updated_at',
        'tags',
        'self',
        'file',
        'schema',
      ]);
      expect(image).toMatchObject({
        name: 'cirros',
        status: 'queued',
        visibility: 'shared',
        size: null,
        checksum: null,
        protected: false,
        min_ram: 0,
        min_disk: 0,
        owner: MEMBER_PROJECT,
        os_hidden: false,
        tags: ['a', 'b'],
        self: `/v2/images/${image.id}`,
        file: `/v2/images/${image.id}/file`,
        schema: '/v2/schemas/image',
      });
      expect(image.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(await show(image.id)).toEqual(image);
    });

    it('takes a client-chosen id once; the second create with it is 409', async () => {
      const id = '0b4d1f0e-1111-4c3a-8e6f-6d8f2b3c4d5e';
      expect((await create({ id })).id).toBe(id);
      const again = await api.call('POST', '/v2/images', TOKENS.member, { json: { id } });
      expect(again.status).toBe(409);
    });

    it.each([
      [{ status: 'active' }, 403, "Attribute 'status' is read-only."],
      [{ checksum: 'x' }, 403, "Attribute 'checksum' is read-only."],
      [{ os_glance_import_task: 'x' }, 403, "Attribute 'os_glance_import_task' is reserved."],
      [
        { disk_format: 'floppy' },
        400,
        "Provided object does not match schema 'image': 'floppy' is not one of",
      ],
      [
        { min_ram: 'lots' },
        400,
        "Provided object does not match schema 'image': 'lots' is not of type 'integer'",
      ],
      [{ name: 'x'.repeat(256) }, 400, "Provided object does not match schema 'image':"],
      [{ custom: 5 }, 400, "Provided object does not match schema 'image': 5 is not of type 'string'"],
      [
        { id: 'not-a-uuid' },
        400,
        "Provided object does not match schema 'image': 'not-a-uuid' does not match",
      ],
    ])('refuses %j with %d and creates nothing', async (body, status, message) => {
      const before = (await api.call('GET', '/v2/images?limit=1000', TOKENS.admin)).json.images.length;
      const result = await api.call('POST', '/v2/images', TOKENS.member, { json: { name: 'bad', ...body } });
      expect(result.status).toBe(status);
      expect(errorMessage(result)).toContain(message);
      expect((await api.call('GET', '/v2/images?limit=1000', TOKENS.admin)).json.images.length).toBe(before);
    });

    it('refuses malformed JSON with 400', async () => {
      const result = await api.call('POST', '/v2/images', TOKENS.member, {
        body: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(result.status).toBe(400);
      expect(errorMessage(result)).toBe('Malformed JSON in request body.');
    });

    it('refuses a JSON body over 1 MiB with 413, not a 500', async () => {
      const result = await api.call('POST', '/v2/images', TOKENS.member, {
        json: { name: 'big', description: 'x'.repeat(1024 * 1024) },
      });
      expect(result.status).toBe(413);
    });

    it('lets only admins publish or create for another project', async () => {
      const pub = await api.call('POST', '/v2/images', TOKENS.member, { json: { visibility: 'public' } });
      expect(pub.status).toBe(403);
      expect(errorMessage(pub)).toBe('You are not authorized to complete publicize_image action.');
      const foreign = await api.call('POST', '/v2/images', TOKENS.member, {
        json: { owner: 'someone-else' },
      });
      expect(foreign.status).toBe(403);
      expect(errorMessage(foreign)).toBe('You are not authorized to complete add_image action.');
      const reader = await api.call('POST', '/v2/images', TOKENS.reader, { json: {} });
      expect(reader.status).toBe(403);
      expect((await create({ visibility: 'public' }, TOKENS.admin)).visibility).toBe('public');
      expect((await create({ owner: 'someone-else' }, TOKENS.admin)).owner).toBe('someone-else');
    });
  });

  describe('upload and download', () => {
    it('streams data in, computes size, md5 and sha512, and streams it back with Content-MD5', async () => {
      const image = await create();
      const data = randomData(3 * MiB + 17);
      const put = await upload(image.id, data);
      expect(put.status).toBe(204);
      const active = await show(image.id);
      expect(active).toMatchObject({
        status: 'active',
        size: data.length,
        checksum: md5(data),
        os_hash_algo: 'sha512',
        os_hash_value: sha512(data),
        stores: 'local',
      });
      expect(api.storeFiles('local')).toContain(image.id);

      const get = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member);
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe('application/octet-stream');
      expect(get.headers.get('content-md5')).toBe(md5(data));
      expect(get.headers.get('content-length')).toBe(String(data.length));
      expect(get.body.equals(data)).toBe(true);
    });

    it('round-trips images of every size around the 1 MiB download buffer, checksums matching', async () => {
      const MiB = 1024 * 1024;
      // Up to image_size_cap (4 MiB here): four buffers, the most one download has in flight.
      for (const size of [1, MiB - 1, MiB, MiB + 1, 3 * MiB + 12_345, 4 * MiB - 1, 4 * MiB]) {
        const image = await create();
        const data = randomData(size);
        expect((await upload(image.id, data)).status).toBe(204);
        const shown = await show(image.id);
        expect([shown.size, shown.checksum]).toEqual([size, md5(data)]);
        const get = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member);
        expect([size, get.status, get.headers.get('content-length'), md5(get.body)]).toEqual([
          size,
          200,
          String(size),
          md5(data),
        ]);
        // A range across a buffer boundary.
        if (size > MiB + 10) {
          const range = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member, {
            headers: { range: `bytes=${MiB - 10}-${MiB + 9}` },
          });
          expect(range.body.equals(data.subarray(MiB - 10, MiB + 10))).toBe(true);
        }
      }
    });

    it('serves byte ranges (206) and refuses ranges outside the image (416)', async () => {
      const image = await create();
      const data = randomData(100_000);
      expect((await upload(image.id, data)).status).toBe(204);
      const range = async (value: string) =>
        api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member, { headers: { range: value } });

      const middle = await range('bytes=1000-1999');
      expect(middle.status).toBe(206);
      expect(middle.headers.get('content-range')).toBe(`bytes 1000-1999/${data.length}`);
      expect(middle.body.equals(data.subarray(1000, 2000))).toBe(true);

      const suffix = await range('bytes=-10');
      expect(suffix.status).toBe(206);
      expect(suffix.body.equals(data.subarray(data.length - 10))).toBe(true);

      const open = await range('bytes=99990-');
      expect(open.body.equals(data.subarray(99_990))).toBe(true);

      const outside = await range(`bytes=${data.length}-`);
      expect(outside.status).toBe(416);
      expect(outside.headers.get('content-range')).toBe(`bytes */${data.length}`);
    });

    it('writes to the store X-Image-Meta-Store names, and thin-provisions zero chunks there', async () => {
      const image = await create();
      const data = Buffer.concat([randomData(65536), Buffer.alloc(4 * 65536), randomData(100)]);
      expect((await upload(image.id, data, { 'x-image-meta-store': 'scratch' })).status).toBe(204);
      expect((await show(image.id)).stores).toBe('scratch');
      expect(api.storeFiles('scratch')).toContain(image.id);
      expect(api.storeFiles('local')).not.toContain(image.id);
      const file = join(api.dir, 'data', 'scratch', image.id);
      expect(readFileSync(file).equals(data)).toBe(true);
      expect(statSync(file).blocks * 512).toBeLessThan(data.length);
    });

    it('answers 204 for an image without data', async () => {
      const image = await create();
      const get = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member);
      expect(get.status).toBe(204);
      expect(get.body.length).toBe(0);
    });

    describe('bad uploads leave the image queued and the stores empty', () => {
      const expectUntouched = async (id: string) => {
        const image = await show(id);
        expect(image.status).toBe('queued');
        expect(image.size).toBeNull();
        expect(image.checksum).toBeNull();
        expect(image.stores).toBeUndefined();
        for (const store of ['local', 'scratch'] as const) {
          expect(api.storeFiles(store).filter((name) => name.includes(id))).toEqual([]);
        }
      };

      it.each([
        [{ 'x-image-meta-store': 'nowhere' }, 400, 'Store for identifier nowhere not found'],
        [{ 'x-image-meta-store': 'web' }, 400, 'Store web is read only'],
        [{ 'content-type': 'text/plain' }, 415, 'Invalid content type text/plain'],
        [
          { 'content-md5': '0123456789abcdef0123456789abcdef' },
          400,
          'does not match the declared Content-MD5',
        ],
      ])('%j → %d', async (headers, status, message) => {
        const image = await create();
        const result = await upload(image.id, randomData(200_000), headers);
        expect(result.status).toBe(status);
        expect(errorMessage(result)).toContain(message);
        await expectUntouched(image.id);
      });

      it('an image larger than image_size_cap → 413', async () => {
        const image = await create();
        const result = await upload(image.id, randomData(4 * MiB + 1));
        expect(result.status).toBe(413);
        expect(errorMessage(result)).toBe('The provided image is too large.');
        await expectUntouched(image.id);
      });

      it('a chunked upload still sending when it crosses image_size_cap gets its 413 answer', async () => {
        const image = await create();
        const upload = httpRequest(`${api.url}/v2/images/${image.id}/file`, {
          method: 'PUT',
          headers: { 'x-auth-token': TOKENS.member, ...OCTETS, accept: 'application/json' },
        });
        let answeredEarly = false;
        const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
          upload.on('response', (response) => {
            answeredEarly = true;
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          });
          upload.on('error', reject);
        });
        // Up to 8 MiB in 1 MiB chunks, the way glanceclient streams a file (chunked transfer
        // encoding), until the answer arrives: the server answers without waiting for the rest.
        for (let i = 0; i < 8 && !answeredEarly; i++) {
          const drained = upload.write(randomData(MiB));
          if (!drained)
            await Promise.race([new Promise((resolve) => upload.once('drain', resolve)), answered]);
        }
        if (!answeredEarly) upload.end();
        const result = await answered;
        expect(result.status).toBe(413);
        expect(JSON.parse(result.body).message).toContain('The provided image is too large.');
        await expectUntouched(image.id);
      });

      it('a matching Content-MD5 (hex or base64) is accepted', async () => {
        const data = randomData(1000);
        const hex = await create();
        expect((await upload(hex.id, data, { 'content-md5': md5(data) })).status).toBe(204);
        const b64 = await create();
        const base64 = Buffer.from(md5(data), 'hex').toString('base64');
        expect((await upload(b64.id, data, { 'content-md5': base64 })).status).toBe(204);
      });

      it('a client that disconnects mid-upload leaves nothing', async () => {
        const image = await create();
        await new Promise<void>((resolve) => {
          const request = httpRequest(`${api.url}/v2/images/${image.id}/file`, {
            method: 'PUT',
            headers: { 'x-auth-token': TOKENS.member, ...OCTETS, 'content-length': String(8 * MiB) },
          });
          request.on('error', () => resolve());
          request.write(randomData(MiB), () => setTimeout(() => request.destroy(), 100));
          request.on('close', () => resolve());
        });
        await waitFor(async () => (await show(image.id)).status === 'queued');
        await expectUntouched(image.id);
        // And the image takes a good upload afterwards.
        expect((await upload(image.id, randomData(10))).status).toBe(204);
      });

      it('a second upload while one runs → 409, and the first completes', async () => {
        const image = await create();
        const data = randomData(2 * MiB);
        const first = httpRequest(`${api.url}/v2/images/${image.id}/file`, {
          method: 'PUT',
          headers: { 'x-auth-token': TOKENS.member, ...OCTETS, 'content-length': String(data.length) },
        });
        const firstDone = new Promise<number>((resolve, reject) => {
          first.on('response', (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          });
          first.on('error', reject);
        });
        first.write(data.subarray(0, MiB));
        await waitFor(async () => (await show(image.id)).status === 'saving');
        const second = await upload(image.id, randomData(10));
        expect(second.status).toBe(409);
        // Glance's domain refuses saving → saving with the same words.
        expect(errorMessage(second)).toBe('Image status transition from saving to saving is not allowed');
        first.end(data.subarray(MiB));
        expect(await firstDone).toBe(204);
        expect((await show(image.id)).checksum).toBe(md5(data));
      });

      it('an image deleted while its data arrives → 410, and the data is not kept', async () => {
        const image = await create();
        const data = randomData(2 * MiB);
        const uploading = httpRequest(`${api.url}/v2/images/${image.id}/file`, {
          method: 'PUT',
          headers: {
            'x-auth-token': TOKENS.member,
            ...OCTETS,
            accept: 'application/json',
            'content-length': String(data.length),
          },
        });
        const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
          uploading.on('response', (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          });
          uploading.on('error', reject);
        });
        uploading.write(data.subarray(0, MiB));
        await waitFor(async () => (await show(image.id)).status === 'saving');
        expect((await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.member)).status).toBe(204);
        uploading.end(data.subarray(MiB));
        const result = await answered;
        expect(result.status).toBe(410);
        expect(JSON.parse(result.body).message).toContain(
          'The image may have been deleted during the upload.',
        );
        expect(api.storeFiles('local').filter((name) => name.includes(image.id))).toEqual([]);
        expect((await api.call('GET', `/v2/images/${image.id}`, TOKENS.member)).status).toBe(404);
      });

      it('an upload to an active image → 409 and the data is unchanged', async () => {
        const image = await create();
        const data = randomData(1000);
        expect((await upload(image.id, data)).status).toBe(204);
        const again = await upload(image.id, randomData(1000));
        expect(again.status).toBe(409);
        expect(errorMessage(again)).toBe('Image status transition from active to saving is not allowed');
        const get = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member);
        expect(get.body.equals(data)).toBe(true);
      });
    });
  });

  describe('list', () => {
    let ids: string[];
    beforeAll(async () => {
      ids = [];
      for (let i = 0; i < 5; i++) {
        const image = await create({
          name: `page-${i}`,
          tags: i % 2 ? ['odd', 'listed'] : ['listed'],
          min_disk: i,
        });
        ids.push(image.id);
        if (i === 4) await upload(image.id, randomData(500));
      }
    });

    const list = async (query: string, token: string = TOKENS.member) => {
      const result = await api.call('GET', `/v2/images${query}`, token);
      expect(result.status).toBe(200);
      return result.json;
    };

    it('finds an image by its checksum (glanceclient image-list --checksum)', async () => {
      const image = await show(ids[4]);
      const body = await list(`?checksum=${image.checksum}`);
      expect(body.images.map((i: { id: string }) => i.id)).toEqual([ids[4]]);
    });

    it('limit=0 answers an empty page without a next link', async () => {
      const body = await list('?limit=0');
      expect(body.images).toEqual([]);
      expect(body.next).toBeUndefined();
    });

    it('pages with limit, marker and next links, newest first', async () => {
      const first = await list('?tag=listed&limit=2');
      expect(first.images.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[3]]);
      expect(first.first).toBe('/v2/images?tag=listed&limit=2');
      expect(first.schema).toBe('/v2/schemas/images');
      expect(first.next).toBe(`/v2/images?tag=listed&limit=2&marker=${ids[3]}`);
      const second = await list(first.next.slice('/v2/images'.length));
      expect(second.images.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
      const third = await list(second.next.slice('/v2/images'.length));
      expect(third.images.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
      expect(third.next).toBeUndefined();
    });

    it.each([
      ['?tag=odd&tag=listed', [3, 1]],
      ['?tag=listed&sort_key=name&sort_dir=asc', [0, 1, 2, 3, 4]],
      ['?tag=listed&sort=name:desc', [4, 3, 2, 1, 0]],
      // A key without a direction in sort= is descending (Glance): queued before active.
      ['?tag=listed&sort=status,name:asc', [0, 1, 2, 3, 4]],
      // Glance does not validate the status filter: an unknown status simply matches nothing.
      ['?tag=listed&status=nonsense', []],
      ['?tag=listed&status=active', [4]],
      ['?tag=listed&name=page-2', [2]],
      ['?tag=listed&name=in:page-1,page-3', [3, 1]],
      ['?tag=listed&size_min=400&size_max=600', [4]],
      ['?tag=listed&size_min=501', []],
      ['?checksum=00000000000000000000000000000000', []],
      ['?tag=listed&disk_format=raw&container_format=bare&status=queued', [3, 2, 1, 0]],
    ])('%s', async (query, expected) => {
      const body = await list(query);
      expect(body.images.map((i: { id: string }) => i.id)).toEqual(expected.map((index) => ids[index]));
    });

    it.each([
      ['?limit=abc', 'limit param must be an integer'],
      ['?limit=-1', 'limit param must be positive'],
      ['?visibility=nonsense', 'Invalid visibility value: nonsense'],
      ['?sort_dir=sideways', 'Invalid sort direction: sideways'],
      ['?sort_key=colour', 'Invalid sort key: colour.'],
      ['?min_ram=5', 'Filtering on min_ram is not supported by glance-ts.'],
      ['?marker=00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
    ])('%s → 400 %s', async (query, message) => {
      const result = await api.call('GET', `/v2/images${query}`, TOKENS.member);
      expect(result.status).toBe(400);
      expect(errorMessage(result)).toContain(message);
    });
  });

  describe('update (JSON patch)', () => {
    it('replaces, adds and removes attributes, properties and tags', async () => {
      const image = await create({ hw_disk_bus: 'scsi' });
      const result = await api.call('PATCH', `/v2/images/${image.id}`, TOKENS.member, {
        headers: PATCH,
        json: [
          { op: 'replace', path: '/name', value: 'renamed' },
          { op: 'add', path: '/os_distro', value: 'debian' },
          { op: 'remove', path: '/hw_disk_bus' },
          { op: 'replace', path: '/tags', value: ['x', 'y'] },
          { op: 'replace', path: '/min_ram', value: 512 },
        ],
      });
      expect(result.status).toBe(200);
      expect(result.json).toMatchObject({
        name: 'renamed',
        os_distro: 'debian',
        tags: ['x', 'y'],
        min_ram: 512,
      });
      expect(result.json.hw_disk_bus).toBeUndefined();
      expect(await show(image.id)).toEqual(result.json);
    });

    it.each([
      [PATCH, [{ op: 'replace', path: '/status', value: 'active' }], 403, "Attribute 'status' is read-only."],
      [PATCH, [{ op: 'add', path: '/os_glance_x', value: 'v' }], 403, "Attribute 'os_glance_x' is reserved."],
      [PATCH, [{ op: 'remove', path: '/name' }], 403, 'Property name may not be removed.'],
      [PATCH, [{ op: 'replace', path: '/nothere', value: 'v' }], 409, 'Property nothere does not exist.'],
      [
        PATCH,
        [{ op: 'replace', path: '/visibility', value: 'galactic' }],
        400,
        "Provided object does not match schema 'image'",
      ],
      [
        PATCH,
        [{ op: 'replace', path: '/visibility', value: 'public' }],
        403,
        'You are not authorized to complete publicize_image action.',
      ],
      [
        { 'content-type': 'application/json' },
        [{ op: 'replace', path: '/name', value: 'x' }],
        415,
        'The request media type application/json is not supported by this server.',
      ],
    ])('%j %j → %d', async (headers, operations, status, message) => {
      const image = await create({ name: 'keep' });
      const result = await api.call('PATCH', `/v2/images/${image.id}`, TOKENS.member, {
        headers,
        json: operations,
      });
      expect(result.status).toBe(status);
      expect(errorMessage(result)).toContain(message);
      expect(await show(image.id)).toEqual(image);
    });

    it('tags: PUT adds (idempotent), DELETE removes, a missing tag is 404', async () => {
      const image = await create({ tags: [] });
      expect((await api.call('PUT', `/v2/images/${image.id}/tags/blue`, TOKENS.member)).status).toBe(204);
      expect((await api.call('PUT', `/v2/images/${image.id}/tags/blue`, TOKENS.member)).status).toBe(204);
      expect((await show(image.id)).tags).toEqual(['blue']);
      expect((await api.call('DELETE', `/v2/images/${image.id}/tags/blue`, TOKENS.member)).status).toBe(204);
      const missing = await api.call('DELETE', `/v2/images/${image.id}/tags/blue`, TOKENS.member);
      expect(missing.status).toBe(404);
      expect((await show(image.id)).tags).toEqual([]);
    });
  });

  describe('deactivate, reactivate, delete', () => {
    it('a deactivated image is downloadable by admins only', async () => {
      const image = await create();
      const data = randomData(100);
      await upload(image.id, data);
      const queued = await create();
      const refused = await api.call('POST', `/v2/images/${queued.id}/actions/deactivate`, TOKENS.member);
      expect(refused.status).toBe(403);
      expect(errorMessage(refused)).toBe("Not allowed to deactivate image in status 'queued'");

      expect(
        (await api.call('POST', `/v2/images/${image.id}/actions/deactivate`, TOKENS.member)).status,
      ).toBe(204);
      expect((await show(image.id)).status).toBe('deactivated');
      const member = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member);
      expect(member.status).toBe(403);
      expect(errorMessage(member)).toBe(
        'The requested image has been deactivated. Image data download is forbidden.',
      );
      const admin = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.admin);
      expect(admin.body.equals(data)).toBe(true);
      expect(
        (await api.call('POST', `/v2/images/${image.id}/actions/reactivate`, TOKENS.member)).status,
      ).toBe(204);
      expect((await show(image.id)).status).toBe('active');
    });

    it('delete removes the record and the data; protected images are refused', async () => {
      const image = await create({ protected: true });
      await upload(image.id, randomData(100));
      const refused = await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.member);
      expect(refused.status).toBe(403);
      expect(errorMessage(refused)).toBe(`Image ${image.id} is protected and cannot be deleted.`);
      expect(api.storeFiles('local')).toContain(image.id);

      await api.call('PATCH', `/v2/images/${image.id}`, TOKENS.member, {
        headers: PATCH,
        json: [{ op: 'replace', path: '/protected', value: false }],
      });
      expect((await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.member)).status).toBe(204);
      expect(api.storeFiles('local')).not.toContain(image.id);
      const gone = await api.call('GET', `/v2/images/${image.id}`, TOKENS.member);
      expect(gone.status).toBe(404);
      expect(errorMessage(gone)).toBe(`No image found with ID ${image.id}`);
    });
  });

  describe('owner checks', () => {
    it("another project's member cannot see or touch a private image: 404 everywhere", async () => {
      const image = await create({ visibility: 'private' });
      await upload(image.id, randomData(100));
      for (const [method, path] of [
        ['GET', `/v2/images/${image.id}`],
        ['GET', `/v2/images/${image.id}/file`],
        ['DELETE', `/v2/images/${image.id}`],
        ['PUT', `/v2/images/${image.id}/tags/x`],
        ['POST', `/v2/images/${image.id}/actions/deactivate`],
      ]) {
        const result = await api.call(method, path, TOKENS.otherMember);
        expect([method, path, result.status]).toEqual([method, path, 404]);
      }
      const patch = await api.call('PATCH', `/v2/images/${image.id}`, TOKENS.otherMember, {
        headers: PATCH,
        json: [{ op: 'replace', path: '/name', value: 'stolen' }],
      });
      expect(patch.status).toBe(404);
      const listed = await api.call('GET', '/v2/images?limit=1000', TOKENS.otherMember);
      expect(listed.json.images.map((i: { id: string }) => i.id)).not.toContain(image.id);
      expect((await show(image.id)).name).toBe('img');
    });

    it("a public image is visible to everyone but only its owner's members may change it", async () => {
      const image = await create({ visibility: 'public' }, TOKENS.admin);
      expect((await api.call('GET', `/v2/images/${image.id}`, TOKENS.otherMember)).status).toBe(200);
      const patch = await api.call('PATCH', `/v2/images/${image.id}`, TOKENS.otherMember, {
        headers: PATCH,
        json: [{ op: 'replace', path: '/name', value: 'defaced' }],
      });
      expect(patch.status).toBe(403);
      expect(errorMessage(patch)).toBe('You are not authorized to complete modify_image action.');
      const del = await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.otherMember);
      expect(del.status).toBe(403);
    });

    it('a reader may list and show but not upload', async () => {
      const image = await create();
      expect((await api.call('GET', `/v2/images/${image.id}`, TOKENS.reader)).status).toBe(200);
      const result = await upload(image.id, randomData(10), {}, TOKENS.reader);
      expect(result.status).toBe(403);
      expect(errorMessage(result)).toBe('You are not authorized to complete upload_image action.');
      expect((await show(image.id)).status).toBe('queued');
    });
  });

  // Runs last: it reads what the tests above received.
  it('no error body a member, reader or other project received names a data directory or path', () => {
    const bodies = api.errorBodiesSeenByUsers();
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      expect(body).not.toContain(api.dir);
      expect(body).not.toMatch(/file:\/\/|data\/(local|scratch)/);
    }
  });
});

describe.each(DIALECTS)('image metadata on %s survives a restart', (dialect) => {
  it('serves an image created before the restart, with its data', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'glance-restart-'));
    const { connection, drop } = await testDatabaseConnection(dialect, join(scratch, 'glance.sqlite'));
    // The data dir is absolute, so both runs share it.
    const config = imagesConfig(connection).replace('data/local', join(scratch, 'local'));
    try {
      const first = await startApi(config, { files: tokenFiles() });
      const data = randomData(1000);
      let id: string;
      try {
        id = (await call(first.url, 'POST', '/v2/images', TOKENS.member, { json: { name: 'durable' } })).json
          .id;
        await call(first.url, 'PUT', `/v2/images/${id}/file`, TOKENS.member, { body: data, headers: OCTETS });
      } finally {
        await first.close();
      }
      const second = await startApi(config, { files: tokenFiles() });
      try {
        const shown = await call(second.url, 'GET', `/v2/images/${id}`, TOKENS.member);
        expect(shown.json).toMatchObject({ name: 'durable', status: 'active', checksum: md5(data) });
        const downloaded = await call(second.url, 'GET', `/v2/images/${id}/file`, TOKENS.member);
        expect(downloaded.body.equals(data)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await drop();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('an image whose location is an http URL', () => {
  // No API sets such a location yet (the location API is issue 5), so the test records it through
  // the repository, as the location API will; the download goes through the API and the http store.
  it('streams from the remote server through the read-only http store, ranges included', async () => {
    const data = randomData(300_000);
    const server = createServer((request, response) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (range) {
        const [start, end] = [Number(range[1]), Number(range[2])];
        response.writeHead(206, { 'content-range': `bytes ${start}-${end}/${data.length}` });
        response.end(data.subarray(start, end + 1));
      } else {
        response.writeHead(200, { 'content-length': String(data.length) });
        response.end(data);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The http store reaches loopback only when the operator allows it (see image-security.e2e.spec.ts).
    const api = await startImageApi('sqlite', '\n[import_filtering_opts]\nallowed_networks = 127.0.0.1\n');
    try {
      const image = (await api.call('POST', '/v2/images', TOKENS.member, { json: { name: 'remote' } })).json;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cirros.img`;
      await api.runtime.database.images.transition(image.id, ['queued'], {
        core: { status: 'active', size: data.length, checksum: md5(data) },
        locations: [{ url, metadata: { store: 'web' }, status: 'active' }],
      });
      expect((await api.call('GET', `/v2/images/${image.id}`, TOKENS.member)).json.stores).toBe('web');

      const whole = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-md5')).toBe(md5(data));
      expect(whole.body.equals(data)).toBe(true);

      const part = await api.call('GET', `/v2/images/${image.id}/file`, TOKENS.member, {
        headers: { range: 'bytes=100-199' },
      });
      expect(part.status).toBe(206);
      expect(part.body.equals(data.subarray(100, 200))).toBe(true);

      // Deleting the image leaves the remote data alone (the store is read-only).
      expect((await api.call('DELETE', `/v2/images/${image.id}`, TOKENS.member)).status).toBe(204);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await api.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('[database] max_pool_size', () => {
  it('bounds the connections a worker opens to PostgreSQL', async () => {
    const { connection, drop } = await testDatabaseConnection('postgresql');
    try {
      const api = await startApi(`${imagesConfig(connection)}max_pool_size = 1\n`, { files: tokenFiles() });
      try {
        // Ten listings at once: an unbounded pool (or the default 5) would open more connections.
        const listings = Array.from({ length: 10 }, () => call(api.url, 'GET', '/v2/images', TOKENS.member));
        expect((await Promise.all(listings)).map((result) => result.status)).toEqual(Array(10).fill(200));
        expect(await glanceTsConnections(connection)).toBe(1);
      } finally {
        await api.close();
      }
    } finally {
      await drop();
    }
  });
});
