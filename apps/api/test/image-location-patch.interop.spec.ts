import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pythonGlance } from './support/python-glanceclient';
import {
  DIALECTS,
  errorMessage,
  type ImageApi,
  md5,
  randomData,
  sha512,
  startImageApi,
  TOKENS,
  waitFor,
} from './support/images';

/**
 * `show_image_direct_url` and `show_multiple_locations` (Glance's deprecated, OSSN-0065-prone
 * options, off by default): the bodies Nova and older Cinder read to clone, and the JSON-patch
 * location operations python-glanceclient's `location-add` / `location-delete` send, with the
 * service-role rule applied to them too (stricter than Glance's patch path).
 */
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };

describe('locations are hidden by default', () => {
  let api: ImageApi;
  beforeAll(async () => {
    api = await startImageApi('sqlite');
  });
  afterAll(() => api?.close());

  it('shows neither locations nor direct_url, and refuses location patches', async () => {
    const id = (await api.call('POST', '/v2/images', TOKENS.admin, { json: { name: 'x' } })).json.id;
    await api.call('PUT', `/v2/images/${id}/file`, TOKENS.admin, {
      body: randomData(10),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const body = (await api.call('GET', `/v2/images/${id}`, TOKENS.admin)).json;
    expect(body).not.toHaveProperty('locations');
    expect(body).not.toHaveProperty('direct_url');
    const refused = await api.call('PATCH', `/v2/images/${id}`, TOKENS.serviceAdmin, {
      headers: PATCH,
      json: [{ op: 'remove', path: '/locations/0' }],
    });
    expect([refused.status, errorMessage(refused)]).toEqual([
      403,
      "It's not allowed to remove locations if locations are invisible.",
    ]);
  });
});

describe.each(DIALECTS)('show_multiple_locations and show_image_direct_url on %s', (dialect) => {
  let api: ImageApi;
  beforeAll(async () => {
    // scratch weighs more than local: Glance lists its locations first and picks it as direct_url.
    api = await startImageApi(dialect, 'show_multiple_locations = true\nshow_image_direct_url = true', {
      local: 10,
      scratch: 50,
    });
  });
  afterAll(() => api?.close());

  const create = async (token: string = TOKENS.member) =>
    (
      await api.call('POST', '/v2/images', token, {
        json: { name: 'located', disk_format: 'raw', container_format: 'bare' },
      })
    ).json.id as string;
  const upload = (id: string, data: Buffer) =>
    api.call('PUT', `/v2/images/${id}/file`, TOKENS.member, {
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
  const show = async (id: string, token: string = TOKENS.member) =>
    (await api.call('GET', `/v2/images/${id}`, token)).json;
  const patch = (id: string, token: string, operations: unknown[]) =>
    api.call('PATCH', `/v2/images/${id}`, token, { headers: PATCH, json: operations });
  /** Data a service put in the scratch store itself. */
  const placeInScratch = (data: Buffer) => {
    const dir = join(api.dir, 'data', 'scratch');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `placed-${Math.random().toString(16).slice(2)}`);
    writeFileSync(path, data);
    return { path, url: pathToFileURL(path).href };
  };
  const glance = (token: string, ...args: string[]) =>
    pythonGlance(api.url, ['--os-auth-token', token, ...args]);

  it("shows locations (after updated_at) and direct_url in Glance's key order", async () => {
    const id = await create();
    const queued = await show(id);
    expect(queued.locations).toEqual([]);
    expect(queued).not.toHaveProperty('direct_url');
    const data = randomData(4096);
    expect((await upload(id, data)).status).toBe(204);
    const body = await show(id);
    const url = pathToFileURL(join(api.dir, 'data', 'local', id)).href;
    expect(body.locations).toEqual([{ url, metadata: { store: 'local' } }]);
    expect(body.direct_url).toBe(url);
    const keys = Object.keys(body);
    expect(keys.slice(keys.indexOf('updated_at'))).toEqual([
      'updated_at',
      'locations',
      'direct_url',
      'tags',
      'self',
      'file',
      'schema',
      'stores',
    ]);
  });

  it('python-glanceclient location-add and location-delete work for a service and not for a member', async () => {
    const id = await create();
    const data = randomData(100_000);
    await upload(id, data);
    const copy = placeInScratch(data);

    const byMember = await glance(TOKENS.member, 'location-add', '--url', copy.url, id);
    expect(byMember.status).toBe(1);
    expect(byMember.stderr).toContain('403 Forbidden');
    expect(byMember.stderr).toContain('http store must be enabled to use location API by normal user.');

    const added = await glance(
      TOKENS.serviceAdmin,
      'location-add',
      '--url',
      copy.url,
      '--metadata',
      '{"a": 1}',
      id,
    );
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    // Ordered by store weight: scratch (50) before local (10); direct_url is the heaviest.
    const body = await show(id);
    expect(body.locations.map((location: { url: string }) => location.url)).toEqual([
      copy.url,
      pathToFileURL(join(api.dir, 'data', 'local', id)).href,
    ]);
    expect(body.locations[0].metadata).toEqual({ a: 1, store: 'scratch' });
    expect(body.direct_url).toBe(copy.url);
    expect(body.stores).toBe('scratch,local');

    const memberRemoves = await glance(TOKENS.member, 'location-delete', '--url', copy.url, id);
    expect(memberRemoves.status).toBe(1);
    expect(memberRemoves.stderr).toContain('delete_image_location');

    const removed = await glance(TOKENS.serviceAdmin, 'location-delete', '--url', copy.url, id);
    expect([removed.status, removed.stderr]).toEqual([0, '']);
    expect(existsSync(copy.path)).toBe(false);
    expect((await show(id)).locations).toHaveLength(1);
    const last = await glance(
      TOKENS.serviceAdmin,
      'location-delete',
      '--url',
      (await show(id)).direct_url,
      id,
    );
    expect(last.status).toBe(1);
    expect(last.stderr).toContain('Cannot remove last location in the image.');
    const download = await api.call('GET', `/v2/images/${id}/file`, TOKENS.member);
    expect(sha512(download.body)).toBe(sha512(data));
  });

  it('activates a queued image by location, with the size from the store and hashes from the data', async () => {
    const id = await create(TOKENS.serviceAdmin);
    const data = randomData(77_777);
    const placed = placeInScratch(data);
    const added = await patch(id, TOKENS.serviceAdmin, [
      { op: 'add', path: '/locations/-', value: { url: placed.url, metadata: {} } },
    ]);
    expect(added.status).toBe(200);
    expect(added.json).toMatchObject({ status: 'active', size: data.length, virtual_size: data.length });
    await waitFor(async () => (await show(id, TOKENS.serviceAdmin)).checksum !== null, 10_000, 'hashing');
    expect(await show(id, TOKENS.serviceAdmin)).toMatchObject({
      checksum: md5(data),
      os_hash_value: sha512(data),
    });
  });

  it("records a queued image's validation_data as given, and checks it as Glance does", async () => {
    const data = randomData(1000);
    const conflicting = await create(TOKENS.serviceAdmin);
    const placed = placeInScratch(data);
    const badAlgo = await patch(conflicting, TOKENS.serviceAdmin, [
      {
        op: 'add',
        path: '/locations/-',
        value: {
          url: placed.url,
          metadata: {},
          validation_data: { os_hash_algo: 'sha256', os_hash_value: 'ab' },
        },
      },
    ]);
    expect([badAlgo.status, errorMessage(badAlgo)]).toEqual([409, 'os_hash_algo must be sha512, not sha256']);
    const short = await patch(conflicting, TOKENS.serviceAdmin, [
      {
        op: 'add',
        path: '/locations/-',
        value: {
          url: placed.url,
          metadata: {},
          validation_data: { os_hash_algo: 'sha512', os_hash_value: 'abcd' },
        },
      },
    ]);
    expect([short.status, errorMessage(short)]).toEqual([
      409,
      'os_hash_value (abcd) is not the correct size for sha512 (should be 64 bytes)',
    ]);
    expect((await show(conflicting, TOKENS.serviceAdmin)).status).toBe('queued');
    const good = await patch(conflicting, TOKENS.serviceAdmin, [
      {
        op: 'add',
        path: '/locations/-',
        value: {
          url: placed.url,
          metadata: {},
          validation_data: { checksum: md5(data), os_hash_algo: 'sha512', os_hash_value: sha512(data) },
        },
      },
    ]);
    expect(good.json).toMatchObject({ status: 'active', checksum: md5(data), os_hash_value: sha512(data) });
  });

  it('refuses replacing a list of other URLs, and an invalid position, as Glance does', async () => {
    const id = await create();
    await upload(id, randomData(10));
    const replaced = await patch(id, TOKENS.serviceAdmin, [
      {
        op: 'replace',
        path: '/locations',
        value: [{ url: placeInScratch(randomData(10)).url, metadata: {} }],
      },
    ]);
    expect(replaced.status).toBe(400);
    expect(errorMessage(replaced)).toMatch(/^Original locations is not empty: \[\{'url': 'file:\/\//);
    const badPosition = await patch(id, TOKENS.serviceAdmin, [
      { op: 'add', path: '/locations/7', value: { url: placeInScratch(randomData(10)).url, metadata: {} } },
    ]);
    expect(badPosition.status).toBe(200);
    const removeOut = await patch(id, TOKENS.serviceAdmin, [{ op: 'remove', path: '/locations/9' }]);
    expect([removeOut.status, errorMessage(removeOut)]).toEqual([
      400,
      'Invalid position for removing a location.',
    ]);
  });

  it('keeps data another image shares when a location is removed from one of them', async () => {
    const data = randomData(5000);
    const placed = placeInScratch(data);
    const first = await create();
    await upload(first, data);
    const second = await create(TOKENS.serviceAdmin);
    for (const id of [first, second]) {
      const added = await patch(id, TOKENS.serviceAdmin, [
        { op: 'add', path: '/locations/-', value: { url: placed.url, metadata: {} } },
      ]);
      expect(added.status).toBe(200);
    }
    // first: [placed (scratch weighs more), its upload]; dropping placed keeps the file for second.
    const dropped = await patch(first, TOKENS.serviceAdmin, [{ op: 'remove', path: '/locations/0' }]);
    expect(dropped.json.locations.map((location: { url: string }) => location.url)).not.toContain(placed.url);
    expect(existsSync(placed.path)).toBe(true);
    const download = await api.call('GET', `/v2/images/${second}/file`, TOKENS.serviceAdmin);
    expect(sha512(download.body)).toBe(sha512(data));
    expect((await api.call('DELETE', `/v2/images/${second}`, TOKENS.serviceAdmin)).status).toBe(204);
    expect(existsSync(placed.path)).toBe(false);
  });

  it('hides the locations of a deactivated image from all but admins', async () => {
    const id = await create();
    await upload(id, randomData(10));
    expect((await api.call('POST', `/v2/images/${id}/actions/deactivate`, TOKENS.admin)).status).toBe(204);
    const member = await show(id);
    expect(member.locations).toEqual([]);
    expect(member).not.toHaveProperty('direct_url');
    expect(member).not.toHaveProperty('stores');
    expect((await show(id, TOKENS.admin)).locations).toHaveLength(1);
  });
});
