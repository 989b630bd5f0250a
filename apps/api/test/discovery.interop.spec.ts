import { sixStoresWithTokens, tokenFiles } from './support/configs';
import { runPython } from './support/python-glanceclient';
import { type RunningApi, startApi } from './support/test-api';

const admin = { 'x-auth-token': 'admin-token' };
const REQUEST_ID = /^req-[0-9a-f-]{36}$/;

describe('discovery beyond the captures', () => {
  let api: RunningApi;
  beforeAll(async () => {
    const config = sixStoresWithTokens()
      .replace('[fast]\n', '[fast]\nweight = 100\nrbd_store_chunk_size = 4\nrbd_thin_provisioning = true\n')
      .replace('store_description = Read-only HTTP backend\n', '');
    api = await startApi(config, { files: tokenFiles() });
  });
  afterAll(() => api?.close());

  const get = (path: string, headers: Record<string, string> = admin) =>
    fetch(`${api.url}${path}`, { headers });

  it('reports the configured weight, chunk size and thin provisioning of a store', async () => {
    const body = await (await get('/v2/info/stores/detail')).json();
    expect(body.stores[0]).toEqual({
      id: 'fast',
      description: 'Fast RBD backend',
      default: 'true',
      type: 'rbd',
      properties: { chunk_size: 4 * 1024 * 1024, pool: 'images', thin_provisioning: true, fsid: null },
      weight: 100,
    });
  });

  it('omits description when the store has none, and never weight in the list', async () => {
    const body = await (await get('/v2/info/stores')).json();
    expect(body.stores[2]).toEqual({ id: 'web', 'read-only': 'true' });
    expect(JSON.stringify(body)).not.toContain('weight');
  });

  it('never leaks credentials', async () => {
    const text = await (await get('/v2/info/stores/detail')).text();
    for (const secret of ['glance', 'secret', 'access', 'ceph.conf']) {
      expect(text.includes(`"${secret}"`) && secret !== 'glance').toBe(false);
    }
    expect(text).not.toContain('secret');
    expect(text).not.toContain('rbd_store_user');
  });

  it('stamps a request id on 401s too', async () => {
    const response = await get('/v2/info/stores', {});
    expect(response.status).toBe(401);
    expect(response.headers.get('x-openstack-request-id')).toMatch(REQUEST_ID);
  });

  it('gives a different request id to every request', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await get('/v2/info/stores')).headers.get('x-openstack-request-id')),
    );
    expect(new Set(ids).size).toBe(3);
  });

  it('answers 401 in JSON for an unknown token when JSON is accepted', async () => {
    const response = await get('/v2/info/stores', { 'x-auth-token': 'nope', accept: 'application/json' });
    expect(response.status).toBe(401);
    expect((await response.json()).title).toBe('Unauthorized');
  });

  it('serves import methods (none: glance-ts implements no import method yet) and usage', async () => {
    expect(await (await get('/v2/info/import')).json()).toEqual({
      'import-methods': {
        description: 'Import methods available.',
        type: 'array',
        value: [],
      },
    });
    expect(await (await get('/v2/info/usage')).text()).toBe('{"usage": {}}');
  });

  it('negotiates the /v2.N paths Glance HEAD serves without the image cache, else the versions', async () => {
    for (const served of ['v2', 'v2.0', 'v2.7', 'v2.8', 'v2.13', 'v2.15', 'v2.17']) {
      expect([served, (await get(`/${served}/info/stores/detail`)).status]).toEqual([served, 200]);
    }
    for (const other of ['v2.14', 'v2.16', 'v2.18', 'v2.99', 'v3']) {
      expect([other, (await get(`/${other}/info/stores`)).status]).toEqual([other, 300]);
    }
    const versions = await (await get('/versions', {})).json();
    const current = versions.versions.filter((version: { status: string }) => version.status === 'CURRENT');
    expect(current).toEqual([
      { id: 'v2.17', status: 'CURRENT', links: [{ rel: 'self', href: `${api.url}/v2/` }] },
    ]);
  });

  it("makes python-glanceclient's has_version('v2.17') true, so clients use the location API", async () => {
    const check = await runPython(
      [
        'import sys',
        'from glanceclient import client',
        'from glanceclient.common import utils',
        "c = client.Client('2', endpoint=sys.argv[1], token='admin-token').http_client",
        "print(utils.has_version(c, 'v2.17'), utils.has_version(c, 'v2.16'))",
      ].join('\n'),
      [api.url],
    );
    expect(check.stderr).toBe('');
    expect(check.stdout.trim()).toBe('True False');
  });

  it('serves the live API reference', async () => {
    const page = await get('/docs', {});
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/docs/openapi.json');
    const spec = await (await get('/docs/openapi.json', {})).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v2/info/stores', '/v2/info/stores/detail']),
    );
    const script = await get('/docs/assets/swagger-ui-bundle.js', {});
    expect([script.status, script.headers.get('content-type')]).toEqual([
      200,
      'application/javascript; charset=utf-8',
    ]);
    const css = await get('/docs/assets/swagger-ui.css', {});
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    expect((await get('/docs/assets/..%2F..%2Fpackage.json', {})).status).not.toBe(200);
  });
});
