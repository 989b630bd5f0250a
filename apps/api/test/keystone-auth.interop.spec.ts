import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ImageCloud, provisionImageCloud, startKeystone, type TestKeystone } from '@glance-ts/testing';
import { GLANCE_MESSAGES } from '../src/http/glance-error';
import { KEYSTONE_UNAVAILABLE_MESSAGE } from '../src/auth/keystone-strategy';
import { keystoneFileStoreConfig } from './support/configs';
import { type RunningApi, startApi } from './support/test-api';

/**
 * `[auth] strategy = keystone` against a real Keystone (Debian's python3-keystone, Zed, started on
 * loopback by libs/testing): what keystonemiddleware's auth_token does, request by request.
 */

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function call(
  api: RunningApi,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  json?: unknown,
): Promise<Answer> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...headers, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const as = (token: string, service?: string): Record<string, string> => ({
  'x-auth-token': token,
  ...(service ? { 'x-service-token': service } : {}),
});

describe('keystone strategy', () => {
  let keystone: TestKeystone;
  let cloud: ImageCloud;
  let api: RunningApi;
  const tokens = {} as Record<'alice' | 'bob' | 'carol' | 'admin' | 'nova' | 'glance', string>;

  beforeAll(async () => {
    keystone = await startKeystone();
    cloud = await provisionImageCloud(keystone);
    for (const name of Object.keys({
      alice: 1,
      bob: 1,
      carol: 1,
      admin: 1,
      nova: 1,
      glance: 1,
    }) as (keyof typeof tokens)[]) {
      tokens[name] = await cloud.token(cloud[name]);
    }
    api = await startApi(keystoneFileStoreConfig(cloud));
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await keystone?.dispose();
  });

  it("refuses a request without a token, or with one Keystone does not know, with Glance's 401 and where to log in", async () => {
    for (const headers of [{}, as('not-a-token'), as(''), as('x'.repeat(9000))]) {
      const answer = await call(api, 'GET', '/v2/images', headers);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(`Keystone uri="${keystone.authUrl}"`);
      expect(answer.body).toContain(GLANCE_MESSAGES.unauthorized);
    }
  });

  it('admits valid tokens with the roles Keystone gave: 200 / 403 per role', async () => {
    expect((await call(api, 'GET', '/v2/images', as(tokens.bob))).status).toBe(200);
    // A reader may not create; a member may, and the image belongs to the token's project.
    expect((await call(api, 'POST', '/v2/images', as(tokens.bob), { name: 'nope' })).status).toBe(403);
    const created = await call(api, 'POST', '/v2/images', as(tokens.alice), { name: 'alice-image' });
    expect(created.status).toBe(201);
    const image = JSON.parse(created.body) as { id: string; owner: string };
    expect(image.owner).toBe(cloud.alice.projectId);
    // Another project does not see it; the admin does.
    expect((await call(api, 'GET', `/v2/images/${image.id}`, as(tokens.carol))).status).toBe(404);
    expect((await call(api, 'GET', `/v2/images/${image.id}`, as(tokens.admin))).status).toBe(200);
    // Store details: admin (and service) only.
    expect((await call(api, 'GET', '/v2/info/stores/detail', as(tokens.alice))).status).toBe(403);
    expect((await call(api, 'GET', '/v2/info/stores/detail', as(tokens.admin))).status).toBe(200);
    expect((await call(api, 'GET', '/v2/info/stores/detail', as(tokens.glance))).status).toBe(200);
    expect((await call(api, 'DELETE', `/v2/images/${image.id}`, as(tokens.alice))).status).toBe(204);
  });

  it("passes a system-scoped token's scope to policy: Glance's rules are project-scoped (enforce_scope)", async () => {
    const system = await keystone.issueSystemToken();
    // The same admin, project-scoped, may (test above); system-scoped, every image rule refuses.
    expect((await call(api, 'GET', '/v2/info/stores/detail', as(system.token))).status).toBe(403);
    expect((await call(api, 'GET', '/v2/images', as(system.token))).status).toBe(403);
  });

  it('refuses a revoked token', async () => {
    const token = await cloud.token(cloud.alice);
    await keystone.revokeToken(token);
    expect((await call(api, 'GET', '/v2/images', as(token))).status).toBe(401);
  });

  it('refuses an expired token, unless a service token with the service role comes with it (allow_expired)', async () => {
    const alice = { username: cloud.alice.name, password: cloud.alice.password, projectName: 'demo' };
    const shortLived = await keystone.issueShortLivedToken(alice, 2);
    // Never shown to glance-ts before it expires: only Keystone (allow_expired=1) can vouch for it.
    const unseen = await keystone.issueShortLivedToken(alice, 2);
    expect((await call(api, 'GET', '/v2/images', as(shortLived.token))).status).toBe(200);
    await sleep(Math.max(0, shortLived.expiresAt.getTime() - Date.now()) + 1500);
    // Expired: refused even though it is in the cache.
    expect((await call(api, 'GET', '/v2/images', as(shortLived.token))).status).toBe(401);
    // Nova finishing a long operation for alice: her expired token with Nova's service token.
    const withNova = await call(api, 'GET', '/v2/images', as(shortLived.token, tokens.nova));
    expect(withNova.status).toBe(200);
    expect((await call(api, 'GET', '/v2/images', as(unseen.token))).status).toBe(401);
    expect((await call(api, 'GET', '/v2/images', as(unseen.token, tokens.nova))).status).toBe(200);
    // A token without the service role is no service token: it lets nothing expired through.
    expect((await call(api, 'GET', '/v2/images', as(shortLived.token, tokens.carol))).status).toBe(401);
  }, 30_000);

  it("passes a service token's roles to policy only when it has the service role", async () => {
    const created = await call(api, 'POST', '/v2/images', as(tokens.alice), { name: 'located' });
    const { id } = JSON.parse(created.body) as { id: string };
    const location = { url: 'file:///no/such/image' };
    const alone = await call(api, 'POST', `/v2/images/${id}/locations`, as(tokens.alice), location);
    expect([alone.status, alone.body]).toEqual([403, expect.stringContaining('http store must be enabled')]);
    // carol's token beside alice's: valid, but not a service token → ignored, same 403.
    const notService = await call(
      api,
      'POST',
      `/v2/images/${id}/locations`,
      as(tokens.alice, tokens.carol),
      location,
    );
    expect([notService.status, notService.body]).toEqual([
      403,
      expect.stringContaining('http store must be enabled'),
    ]);
    // Nova's service token: the service-role rule passes; the location itself is then refused.
    const withNova = await call(
      api,
      'POST',
      `/v2/images/${id}/locations`,
      as(tokens.alice, tokens.nova),
      location,
    );
    expect(withNova.status).toBe(400);
    // An invalid service token makes the whole request invalid, as keystonemiddleware does.
    expect((await call(api, 'GET', '/v2/images', as(tokens.alice, 'bogus'))).status).toBe(401);
    await call(api, 'DELETE', `/v2/images/${id}`, as(tokens.alice));
  });

  it('logs in again when Keystone no longer accepts its own token', async () => {
    // A cold token makes glance-ts validate, with its own token of this moment.
    expect((await call(api, 'GET', '/v2/images', as(await cloud.token(cloud.bob)))).status).toBe(200);
    // Disabling a user revokes its tokens: glance-ts's own token is dead once the user is back.
    await keystone.disableUser(cloud.glance.id);
    await keystone.enableUser(cloud.glance.id);
    // Keystone revokes by the second: a login in the same second as the revocation is dead too.
    await sleep(1100);
    const fresh = await cloud.token(cloud.bob);
    expect((await call(api, 'GET', '/v2/images', as(fresh))).status).toBe(200);
  });

  it('answers 503 while Keystone is down (cached tokens still work) and recovers by itself', async () => {
    const unseen = await cloud.token(cloud.carol);
    await keystone.stop();
    try {
      const started = Date.now();
      const down = await call(api, 'GET', '/v2/images', as(unseen));
      expect(down.status).toBe(503);
      expect(down.body).toContain(KEYSTONE_UNAVAILABLE_MESSAGE);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(api.logs.some((line) => line.includes('cannot validate tokens, answering 503'))).toBe(true);
      // A token validated before the outage needs no Keystone round trip.
      expect((await call(api, 'GET', '/v2/images', as(tokens.bob))).status).toBe(200);
    } finally {
      await keystone.start();
    }
    expect((await call(api, 'GET', '/v2/images', as(unseen))).status).toBe(200);
    expect(api.logs.some((line) => line.includes('Keystone validates tokens again'))).toBe(true);
  }, 90_000);
});

describe('keystone strategy: cache time, and a misconfigured service user', () => {
  let keystone: TestKeystone;
  let cloud: ImageCloud;
  beforeAll(async () => {
    keystone = await startKeystone();
    cloud = await provisionImageCloud(keystone);
  }, 120_000);
  afterAll(() => keystone?.dispose());

  it('refuses the token of a deleted user once token_cache_time has passed', async () => {
    const api = await startApi(keystoneFileStoreConfig(cloud, { token_cache_time: 2 }));
    try {
      const dave = await keystone.createUser({
        name: 'dave',
        password: 'dave-password',
        projectId: cloud.alice.projectId,
        roles: ['reader'],
      });
      const token = (
        await keystone.issueToken({ username: 'dave', password: 'dave-password', projectName: 'demo' })
      ).token;
      expect((await call(api, 'GET', '/v2/images', as(token))).status).toBe(200);
      await keystone.deleteUser(dave);
      // Still cached: keystonemiddleware's trade-off, bounded by token_cache_time.
      expect((await call(api, 'GET', '/v2/images', as(token))).status).toBe(200);
      await sleep(2500);
      expect((await call(api, 'GET', '/v2/images', as(token))).status).toBe(401);
    } finally {
      await api.close();
    }
  }, 30_000);

  it("passes the token's user and project domains and is_admin_project to policy", async () => {
    // Rules that only the token's own fields can satisfy: alice's domain is Keystone's default.
    const policy = [
      "get_images: 'user_domain_id:default and project_domain_id:default and is_admin_project:True'",
      "get_image: 'project_domain_id:elsewhere'",
    ].join('\n');
    const api = await startApi(
      `${keystoneFileStoreConfig(cloud)}\n[oslo_policy]\npolicy_file = policy.yaml\n`,
      {
        files: { 'policy.yaml': `${policy}\n` },
      },
    );
    try {
      const token = await cloud.token(cloud.alice);
      expect((await call(api, 'GET', '/v2/images', as(token))).status).toBe(200);
      const created = await call(api, 'POST', '/v2/images', as(token), { name: 'domains' });
      const { id } = JSON.parse(created.body) as { id: string };
      // Refused by the domain rule (Glance answers get_image refusals with 404).
      expect((await call(api, 'GET', `/v2/images/${id}`, as(token))).status).toBe(404);
    } finally {
      await api.close();
    }
  });

  it('never hangs on a Keystone that accepts connections and does not answer: 503 within http_connect_timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v3`;
    const api = await startApi(
      keystoneFileStoreConfig(cloud, { auth_url: url, http_connect_timeout: 1, http_request_max_retries: 1 }),
    );
    try {
      const started = Date.now();
      const answer = await call(api, 'GET', '/v2/images', as(await cloud.token(cloud.alice)));
      // The login: two attempts of 1 s each, then the answer.
      expect([answer.status, answer.body]).toEqual([
        503,
        expect.stringContaining(KEYSTONE_UNAVAILABLE_MESSAGE),
      ]);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(api.logs.join('')).toMatch(/did not answer \(UND_ERR_HEADERS_TIMEOUT\) after 2 attempts/);
    } finally {
      await api.close();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('answers 503 and names the cause in the log when its service user may not validate tokens', async () => {
    await keystone.createUser({
      name: 'weak-glance',
      password: 'weak-password',
      projectId: cloud.serviceProjectId,
      roles: ['member'],
    });
    const api = await startApi(
      keystoneFileStoreConfig(cloud, { username: 'weak-glance', password: 'weak-password' }),
    );
    const wrongPassword = await startApi(keystoneFileStoreConfig(cloud, { password: 'Wr0ng-pa55word' }));
    try {
      const token = await cloud.token(cloud.alice);
      const answer = await call(api, 'GET', '/v2/images', as(token));
      expect([answer.status, answer.body]).toEqual([
        503,
        expect.stringContaining(KEYSTONE_UNAVAILABLE_MESSAGE),
      ]);
      expect(api.logs.join('')).toContain('it needs the service role');
      const refused = await call(wrongPassword, 'GET', '/v2/images', as(token));
      expect(refused.status).toBe(503);
      expect(wrongPassword.logs.join('')).toContain('refused the login of user glance');
      // Never the password.
      expect(wrongPassword.logs.join('')).not.toContain('Wr0ng-pa55word');
    } finally {
      await Promise.all([api.close(), wrongPassword.close()]);
    }
  });
});
