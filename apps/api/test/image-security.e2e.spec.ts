import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tokenFiles } from './support/configs';
import { makeQcow2, qemuImg, qemuInfo } from './support/disk-images';
import {
  DIALECTS,
  errorMessage,
  type ImageApi,
  randomData,
  sha512,
  startImageApi,
  TOKENS,
} from './support/images';
import { fixture, startApi } from './support/test-api';

/**
 * Image security as an attacker with a member token would probe it: the OSSN-0065 data-loss attack
 * through the location API, http locations aimed at the image host's own network (SSRF), giving
 * an image away, and what error answers reveal. Each case is a request an attacker can send.
 */

const HTTP_ONLY = 'http store must be enabled to use location API by normal user.';

describe.each(DIALECTS)('OSSN-0065: an image pointed at another image data, on %s', (dialect) => {
  let api: ImageApi;
  beforeAll(async () => {
    api = await startImageApi(dialect);
  });
  afterAll(() => api?.close());

  const createImage = async (token: string, extra: Record<string, unknown> = {}) => {
    const created = await api.call('POST', '/v2/images', token, {
      json: { name: 'img', disk_format: 'raw', container_format: 'bare', ...extra },
    });
    expect(created.status).toBe(201);
    return created.json.id as string;
  };
  const upload = (id: string, data: Buffer, token: string = TOKENS.admin) =>
    api.call('PUT', `/v2/images/${id}/file`, token, {
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
  /** An admin's public image with data: the victim. */
  const publicImage = async () => {
    const data = randomData(200_000);
    const id = await createImage(TOKENS.admin, { visibility: 'public' });
    expect((await upload(id, data)).status).toBe(204);
    const path = join(api.dir, 'data', 'local', id);
    expect(existsSync(path)).toBe(true);
    return { id, data, path, url: pathToFileURL(path).href };
  };
  const addLocation = (id: string, url: string, token: string, headers: Record<string, string> = {}) =>
    api.call('POST', `/v2/images/${id}/locations`, token, { json: { url }, headers });
  const download = (id: string) => api.call('GET', `/v2/images/${id}/file`, TOKENS.member);

  it('refuses step 2 for a member and for an admin without the service role, changing nothing', async () => {
    const victim = await publicImage();
    const mine = await createImage(TOKENS.member);
    const byMember = await addLocation(mine, victim.url, TOKENS.member);
    expect([byMember.status, errorMessage(byMember)]).toEqual([403, HTTP_ONLY]);
    const byAdmin = await addLocation(mine, victim.url, TOKENS.admin);
    expect([byAdmin.status, errorMessage(byAdmin)]).toEqual([403, HTTP_ONLY]);
    // Path tricks are no way around it.
    const dotted = pathToFileURL(join(api.dir, 'data', 'local', '..', 'local', victim.id)).href;
    expect((await addLocation(mine, dotted, TOKENS.member)).status).toBe(403);
    expect((await api.call('GET', `/v2/images/${mine}`, TOKENS.member)).json.status).toBe('queued');
    // Step 3 then deletes nothing but the member's own record.
    expect((await api.call('DELETE', `/v2/images/${mine}`, TOKENS.member)).status).toBe(204);
    const after = await download(victim.id);
    expect([after.status, sha512(after.body)]).toEqual([200, sha512(victim.data)]);
  });

  it('with a service token, step 2 works but step 3 leaves the public image data intact', async () => {
    const victim = await publicImage();
    const mine = await createImage(TOKENS.member);
    const added = await addLocation(mine, victim.url, TOKENS.member, { 'x-service-token': TOKENS.service });
    expect(added.status).toBe(202);
    const shared = await download(mine);
    expect([shared.status, sha512(shared.body)]).toEqual([200, sha512(victim.data)]);

    expect((await api.call('DELETE', `/v2/images/${mine}`, TOKENS.member)).status).toBe(204);
    const after = await download(victim.id);
    expect([after.status, sha512(after.body)]).toEqual([200, sha512(victim.data)]);
    expect(readFileSync(victim.path).equals(victim.data)).toBe(true);

    // The last image using the data takes it with it.
    expect((await api.call('DELETE', `/v2/images/${victim.id}`, TOKENS.admin)).status).toBe(204);
    expect(existsSync(victim.path)).toBe(false);
  });

  it('deleting the image that uploaded the data keeps it while another image uses it', async () => {
    const original = await publicImage();
    const copy = await createImage(TOKENS.serviceAdmin);
    expect((await addLocation(copy, original.url, TOKENS.serviceAdmin)).status).toBe(202);
    expect((await api.call('DELETE', `/v2/images/${original.id}`, TOKENS.admin)).status).toBe(204);
    expect(existsSync(original.path)).toBe(true);
    const still = await api.call('GET', `/v2/images/${copy}/file`, TOKENS.serviceAdmin);
    expect(sha512(still.body)).toBe(sha512(original.data));
    expect((await api.call('DELETE', `/v2/images/${copy}`, TOKENS.serviceAdmin)).status).toBe(204);
    expect(existsSync(original.path)).toBe(false);
  });

  it('answers a store refusal of an upload without the store path', async () => {
    const id = await createImage(TOKENS.member);
    // Data already at the image's name in the store (left by someone else): the store refuses.
    writeFileSync(join(api.dir, 'data', 'local', id), 'squatter');
    const refused = await upload(id, randomData(1000), TOKENS.member);
    expect([refused.status, errorMessage(refused)]).toEqual([
      409,
      'Image data already exists in store local.',
    ]);
    // An operator is told where.
    const byAdmin = await upload(id, randomData(1000), TOKENS.admin);
    expect(errorMessage(byAdmin)).toContain(join(api.dir, 'data', 'local', id));
  });

  it('no error body a member, reader or other project received names a data directory', () => {
    const bodies = api.errorBodiesSeenByUsers();
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    for (const body of bodies) expect(body).not.toContain(api.dir);
  });
});

/** A server on the image host's loopback holding a secret: what SSRF would steal. */
class SecretServer {
  readonly requests: string[] = [];
  private server!: Server;
  port = 0;

  async start(host = '127.0.0.1'): Promise<void> {
    this.server = createServer((request: IncomingMessage, response) => {
      this.requests.push(`${request.method} ${request.url}`);
      if (request.url === '/redirect') {
        response.writeHead(302, { location: `http://127.0.0.2:${this.port}/secret` }).end();
        return;
      }
      response
        .writeHead(200, { 'content-length': '6' })
        .end(request.method === 'HEAD' ? undefined : 'secret');
    });
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('http locations are not a door into the network (SSRF)', () => {
  const secret = new SecretServer();
  const inner = new SecretServer();
  let strict: ImageApi;
  let portsAllowed: ImageApi;
  beforeAll(async () => {
    await secret.start();
    await inner.start('127.0.0.2');
    strict = await startImageApi('sqlite');
    // Glance's URL filter passes (the port is allowed): only glance-ts's address check stands.
    portsAllowed = await startImageApi(
      'sqlite',
      `\n[import_filtering_opts]\nallowed_ports = 80, 443, ${secret.port}, ${inner.port}\n`,
    );
  });
  afterAll(async () => {
    await Promise.all([strict?.close(), portsAllowed?.close()]);
    await Promise.all([secret.stop(), inner.stop()]);
  });

  const memberImage = async (api: ImageApi) =>
    (await api.call('POST', '/v2/images', TOKENS.member, { json: { name: 'x', disk_format: 'raw' } })).json
      .id as string;

  it('refuses a member location at a loopback server with one 400, never asking the server', async () => {
    const urls = (port: number) => [
      `http://127.0.0.1:${port}/secret`,
      `http://localhost:${port}/secret`,
      `http://2130706433:${port}/secret`,
      `http://0x7f000001:${port}/secret`,
      `http://127.1:${port}/secret`,
      `http://[::ffff:127.0.0.1]:${port}/secret`,
      `http://[::1]:${port}/secret`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://10.0.0.1/`,
      `http://127.0.0.1:${port}/redirect`,
    ];
    const bodies = new Set<string>();
    for (const api of [strict, portsAllowed]) {
      const id = await memberImage(api);
      for (const url of urls(secret.port)) {
        const refused = await api.call('POST', `/v2/images/${id}/locations`, TOKENS.member, {
          json: { url },
        });
        expect([url, refused.status, errorMessage(refused)]).toEqual([url, 400, 'Invalid location']);
        bodies.add(refused.text);
      }
      expect((await api.call('GET', `/v2/images/${id}`, TOKENS.member)).json.status).toBe('queued');
    }
    // The same answer whether a server listens there or not: no port scanning through the API.
    const closed = await memberImage(portsAllowed);
    const nobody = await portsAllowed.call('POST', `/v2/images/${closed}/locations`, TOKENS.member, {
      json: { url: 'http://127.0.0.1:9/secret' },
    });
    bodies.add(nobody.text);
    expect(bodies.size).toBe(1);
    expect(secret.requests).toEqual([]);
    expect(inner.requests).toEqual([]);
  });

  it('never reads a loopback address for a download either (a location recorded earlier, DNS rebinding)', async () => {
    const id = await memberImage(strict);
    await strict.runtime.database.images.transition(id, ['queued'], {
      core: { status: 'active', size: 6 },
      locations: [
        { url: `http://localhost:${secret.port}/secret`, metadata: { store: 'web' }, status: 'active' },
      ],
    });
    const download = await strict.call('GET', `/v2/images/${id}/file`, TOKENS.member);
    expect(download.status).toBe(503);
    expect(download.text).not.toContain('secret');
    expect(secret.requests).toEqual([]);
  });

  it('reaches a network the operator allowed, and only that one (a redirect out of it is refused)', async () => {
    const allowing = await startImageApi(
      'sqlite',
      `\n[import_filtering_opts]\nallowed_ports = ${secret.port}\nallowed_networks = 127.0.0.1/32\n`,
    );
    try {
      const id = await memberImage(allowing);
      const added = await allowing.call('POST', `/v2/images/${id}/locations`, TOKENS.member, {
        json: { url: `http://127.0.0.1:${secret.port}/secret` },
      });
      expect(added.status).toBe(202);
      const download = await allowing.call('GET', `/v2/images/${id}/file`, TOKENS.member);
      expect([download.status, download.text]).toEqual([200, 'secret']);
      const other = await memberImage(allowing);
      const redirected = await allowing.call('POST', `/v2/images/${other}/locations`, TOKENS.member, {
        json: { url: `http://127.0.0.1:${secret.port}/redirect` },
      });
      expect(redirected.status).toBe(400);
      expect(inner.requests).toEqual([]);
    } finally {
      secret.requests.length = 0;
      await allowing.close();
    }
  });
});

describe('giving an image away and policy targets', () => {
  let api: ImageApi;
  beforeAll(async () => {
    api = await startImageApi('sqlite');
  });
  afterAll(() => api?.close());

  it('refuses `add` on /owner for a non-admin (Glance checks only `replace`), and lets an admin do both', async () => {
    const id = (await api.call('POST', '/v2/images', TOKENS.member, { json: { name: 'mine' } })).json.id;
    const patch = (op: string, token: string) =>
      api.call('PATCH', `/v2/images/${id}`, token, {
        headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
        json: [{ op, path: '/owner', value: 'dddddddddddddddddddddddddddddddd' }],
      });
    for (const op of ['add', 'replace']) {
      const refused = await patch(op, TOKENS.member);
      expect([op, refused.status, errorMessage(refused)]).toEqual([
        op,
        403,
        "Owner can't be updated by non admin.",
      ]);
    }
    expect((await api.call('GET', `/v2/images/${id}`, TOKENS.otherMember)).status).toBe(404);
    expect((await patch('add', TOKENS.admin)).json.owner).toBe('dddddddddddddddddddddddddddddddd');
  });

  it('checks stores_info_detail against an empty target, so a project rule denies everyone (as Glance)', async () => {
    const config = fixture('reference-six-stores.conf')
      .replace('strategy = trusted_headers', 'strategy = token_file\ntoken_file = dev-tokens.yaml')
      .replace('[oslo_policy]', '[oslo_policy]\npolicy_file = policy.yaml');
    const withPolicy = await startApi(
      config.includes('policy_file') ? config : `${config}\n[oslo_policy]\npolicy_file = policy.yaml\n`,
      {
        files: { ...tokenFiles(), 'policy.yaml': '"stores_info_detail": "project_id:%(project_id)s"\n' },
      },
    );
    try {
      const detail = await fetch(`${withPolicy.url}/v2/info/stores/detail`, {
        headers: { 'x-auth-token': TOKENS.admin },
      });
      expect(detail.status).toBe(403);
    } finally {
      await withPolicy.close();
    }
  });
});

describe.each(DIALECTS)('virtual_size and unsafe disk images, on %s', (dialect) => {
  let api: ImageApi;
  let work: string;
  beforeAll(async () => {
    api = await startImageApi(dialect);
    work = mkdtempSync(join(tmpdir(), 'glance-ts-disk-images-'));
  });
  afterAll(async () => {
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const create = async (diskFormat: string, token: string = TOKENS.member) =>
    (
      await api.call('POST', '/v2/images', token, {
        json: { name: diskFormat, disk_format: diskFormat, container_format: 'bare' },
      })
    ).json.id as string;
  const upload = (id: string, data: Buffer) =>
    api.call('PUT', `/v2/images/${id}/file`, TOKENS.member, {
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
  const show = async (id: string) => (await api.call('GET', `/v2/images/${id}`, TOKENS.member)).json;

  it('records the virtual size qemu-img reports for a qcow2, and the size of raw data', async () => {
    const path = join(work, 'disk.qcow2');
    makeQcow2(path, 3 * 1024 * 1024 * 1024 + 512 * 1024);
    const qcow2 = await create('qcow2');
    expect((await upload(qcow2, readFileSync(path))).status).toBe(204);
    expect((await show(qcow2)).virtual_size).toBe(qemuInfo(path)['virtual-size']);

    const raw = await create('raw');
    expect((await upload(raw, randomData(123_457))).status).toBe(204);
    expect((await show(raw)).virtual_size).toBe(123_457);
  });

  it('refuses (415, as Glance HEAD) a qcow2 with a backing file and data that is not its disk_format', async () => {
    const base = join(work, 'base.qcow2');
    const top = join(work, 'top.qcow2');
    makeQcow2(base, 1024 * 1024);
    makeQcow2(top, 1024 * 1024, ['-b', base, '-F', 'qcow2']);
    const backed = await create('qcow2');
    const refused = await upload(backed, readFileSync(top));
    expect(refused.status).toBe(415);
    expect(refused.json.message).toBe(
      'The request media type application/octet-stream is not supported by this server.<br /><br />\nImage failed safety checks\n\n',
    );
    expect(await show(backed)).toMatchObject({ status: 'queued', size: null, virtual_size: null });
    expect(api.storeFiles('local')).not.toContain(backed);

    const liar = await create('vmdk');
    const mismatch = await upload(liar, readFileSync(base));
    expect([mismatch.status, mismatch.json.message]).toEqual([
      415,
      'The request media type application/octet-stream is not supported by this server.<br /><br />\nImage disk_format vmdk does not match stream data qcow2\n\n',
    ]);
    // Data declared raw is stored as raw, whatever it looks like.
    const asRaw = await create('raw');
    expect((await upload(asRaw, readFileSync(base))).status).toBe(204);
    expect((await show(asRaw)).virtual_size).toBe(readFileSync(base).length);
  });

  it('inspects data added by location: virtual size, and a qcow2 with a data file is refused', async () => {
    const local = join(api.dir, 'data', 'local');
    const disk = join(local, 'placed.qcow2');
    makeQcow2(disk, 5 * 1024 * 1024);
    const good = await create('qcow2', TOKENS.serviceAdmin);
    const added = await api.call('POST', `/v2/images/${good}/locations`, TOKENS.serviceAdmin, {
      json: { url: pathToFileURL(disk).href },
    });
    expect(added.status).toBe(202);
    expect((await api.call('GET', `/v2/images/${good}`, TOKENS.serviceAdmin)).json.virtual_size).toBe(
      5 * 1024 * 1024,
    );

    const external = join(local, 'external.qcow2');
    qemuImg(
      'create',
      '-q',
      '-f',
      'qcow2',
      '-o',
      `data_file=${join(local, 'external.raw')}`,
      external,
      '1048576',
    );
    const bad = await create('qcow2', TOKENS.serviceAdmin);
    const refused = await api.call('POST', `/v2/images/${bad}/locations`, TOKENS.serviceAdmin, {
      json: { url: pathToFileURL(external).href },
    });
    expect(refused.status).toBe(400);
    expect(errorMessage(refused)).toMatch(/^Image failed safety checks/);
    expect((await api.call('GET', `/v2/images/${bad}`, TOKENS.serviceAdmin)).json.status).toBe('queued');
  });
});
