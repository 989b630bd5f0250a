import { existsSync } from 'node:fs';
import { request } from 'undici';
import { KeystoneRequestError, startKeystone, type TestKeystone } from './keystone';

// The first run on a machine builds the cached database (keystone-manage db_sync + bootstrap).
jest.setTimeout(120_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startKeystone', () => {
  let keystone: TestKeystone;
  beforeAll(async () => {
    keystone = await startKeystone();
  });
  afterAll(() => keystone?.dispose());

  it('serves on loopback; the bootstrap admin gets a token whose catalog has this identity endpoint', async () => {
    expect(keystone.authUrl).toBe(`http://127.0.0.1:${keystone.port}/v3`);
    expect(keystone.url).toBe(`http://127.0.0.1:${keystone.port}`);
    expect(keystone.region).toBe('RegionOne');
    const { token, expiresAt, body } = await keystone.issueToken({
      username: 'admin',
      password: keystone.adminPassword,
      projectName: 'admin',
    });
    expect(token).toMatch(/^gAAAAA/);
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(body.token.roles?.map((role) => role.name)).toContain('admin');
    const identity = body.token.catalog?.find((entry) => entry.type === 'identity');
    expect(identity?.endpoints.map((endpoint) => [endpoint.interface, endpoint.url]).sort()).toEqual([
      ['admin', keystone.authUrl],
      ['internal', keystone.authUrl],
      ['public', keystone.authUrl],
    ]);
    const system = await keystone.issueSystemToken();
    expect(system.body.token.system).toEqual({ all: true });
  });

  it('creates a project, roles and a user whose token validates with its roles, until revoked or deleted', async () => {
    const projectId = await keystone.createProject('p-validate');
    const roleIds = await Promise.all([1, 2, 3].map(() => keystone.createRole('observer')));
    expect(new Set(roleIds).size).toBe(1);
    expect(await keystone.createRole('observer')).toBe(roleIds[0]);
    const userId = await keystone.createUser({
      name: 'alice',
      password: 'alice-secret',
      projectId,
      roles: ['member', 'observer'],
    });
    const credentials = { username: 'alice', password: 'alice-secret', projectName: 'p-validate' };
    const first = await keystone.issueToken(credentials);
    expect(first.body.token.user.id).toBe(userId);
    expect(first.body.token.project?.id).toBe(projectId);

    // GET /v3/auth/tokens as keystonemiddleware does it: X-Auth-Token admin, X-Subject-Token user.
    const validated = await keystone.validateToken(first.token);
    expect(validated.status).toBe(200);
    expect(validated.body?.token.user.name).toBe('alice');
    expect(validated.body?.token.roles?.map((role) => role.name).sort()).toEqual([
      'member',
      'observer',
      'reader',
    ]);

    await keystone.revokeToken(first.token);
    expect((await keystone.validateToken(first.token)).status).toBe(404);

    const second = await keystone.issueToken({ ...credentials, projectName: undefined, projectId });
    expect((await keystone.validateToken(second.token)).status).toBe(200);
    const appCred = await keystone.createApplicationCredential(userId, second.token, 'ci', ['member']);
    const viaAppCred = await keystone.issueToken({
      applicationCredentialId: appCred.id,
      applicationCredentialSecret: appCred.secret,
    });
    expect(viaAppCred.body.token.roles?.map((role) => role.name)).toEqual(['member']);

    await keystone.deleteUser(userId);
    const refused = await keystone.issueToken(credentials).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KeystoneRequestError);
    expect((refused as KeystoneRequestError).status).toBe(401);
    expect((await keystone.validateToken(second.token)).status).toBe(404);
  });

  it('refuses a disabled user and its tokens', async () => {
    const projectId = await keystone.createProject('p-disabled');
    const userId = await keystone.createUser({
      name: 'bob',
      password: 'bob-secret',
      projectId,
      roles: ['member'],
    });
    const { token } = await keystone.issueToken({ username: 'bob', password: 'bob-secret', projectId });
    expect((await keystone.validateToken(token)).status).toBe(200);
    await keystone.disableUser(userId);
    expect((await keystone.validateToken(token)).status).toBe(404);
    await expect(
      keystone.issueToken({ username: 'bob', password: 'bob-secret', projectId }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('registers and removes a service in the catalog', async () => {
    const { endpointIds } = await keystone.registerService({
      type: 'image',
      name: 'glance',
      url: 'http://127.0.0.1:9292',
    });
    expect(endpointIds).toHaveLength(3);
    const admin = { username: 'admin', password: keystone.adminPassword, projectName: 'admin' };
    const image = (await keystone.issueToken(admin)).body.token.catalog?.find(
      (entry) => entry.type === 'image',
    );
    expect(image?.name).toBe('glance');
    expect(image?.endpoints.every((endpoint) => endpoint.url === 'http://127.0.0.1:9292')).toBe(true);
    expect(image?.endpoints.every((endpoint) => endpoint.region_id === 'RegionOne')).toBe(true);
    await keystone.removeService('image');
    const catalog = (await keystone.issueToken(admin)).body.token.catalog ?? [];
    expect(catalog.map((entry) => entry.type)).toEqual(['identity']);
  });

  it('stops and starts again on the same port with the same data', async () => {
    const projectId = await keystone.createProject('p-restart');
    await keystone.createUser({ name: 'carol', password: 'carol-secret', projectId, roles: ['member'] });
    const before = await keystone.issueToken({ username: 'carol', password: 'carol-secret', projectId });
    const port = keystone.port;
    const [pid] = keystone.pids();

    await keystone.stop();
    expect(alive(pid)).toBe(false);
    expect(keystone.pids()).toEqual([]);
    await expect(request(`${keystone.authUrl}`)).rejects.toThrow(/ECONNREFUSED|connect/);

    await keystone.start();
    expect(keystone.port).toBe(port);
    expect((await request(keystone.authUrl)).statusCode).toBe(200);
    expect((await keystone.validateToken(before.token)).status).toBe(200);
    await keystone.issueToken({ username: 'carol', password: 'carol-secret', projectId });
  });

  it('issues short-lived tokens: 404 once expired, 200 with allow_expired and a service token', async () => {
    const serviceProject = await keystone.createProject('service');
    await keystone.createUser({
      name: 'glance',
      password: 'glance-secret',
      projectId: serviceProject,
      roles: ['service'],
    });
    const service = await keystone.issueToken({
      username: 'glance',
      password: 'glance-secret',
      projectName: 'service',
    });
    const projectId = await keystone.createProject('p-short');
    await keystone.createUser({ name: 'dave', password: 'dave-secret', projectId, roles: ['member'] });

    const seconds = 2;
    const short = await keystone.issueShortLivedToken(
      { username: 'dave', password: 'dave-secret', projectId },
      seconds,
    );
    expect(short.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(seconds * 1000);
    expect(keystone.pids()).toHaveLength(2);
    // Validated by the main server, which shares the database and the fernet keys.
    expect((await keystone.validateToken(short.token, { authToken: service.token })).status).toBe(200);

    await new Promise((done) => setTimeout(done, short.expiresAt.getTime() - Date.now() + 1000));
    expect((await keystone.validateToken(short.token, { authToken: service.token })).status).toBe(404);
    expect((await keystone.validateToken(short.token)).status).toBe(404);
    const expired = await keystone.validateToken(short.token, {
      authToken: service.token,
      allowExpired: true,
    });
    expect(expired.status).toBe(200);
    expect(expired.body?.token.user.name).toBe('dave');
  });

  it('a second Keystone: fernet keys of its own, admin token renewed after a short expiration', async () => {
    const other = await startKeystone({ tokenExpiration: 3 });
    try {
      expect(other.port).not.toBe(keystone.port);
      const admin = { username: 'admin', password: keystone.adminPassword, projectName: 'admin' };
      const foreign = await keystone.issueToken(admin);
      await expect(other.issueToken(admin)).resolves.toBeDefined();
      expect((await other.validateToken(foreign.token)).status).toBe(404);
      const projectId = await other.createProject('p-renew');
      // Past the first admin token's expiry: the helper issues a new one by itself.
      await new Promise((done) => setTimeout(done, 3500));
      await other.createUser({ name: 'erin', password: 'erin-secret', projectId, roles: ['member'] });
      const erin = await other.issueToken({ username: 'erin', password: 'erin-secret', projectId });
      expect(erin.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(3000);
    } finally {
      await other.dispose();
    }
  });

  it('dispose() leaves no process and no directory, and may be called twice', async () => {
    const pids = keystone.pids();
    expect(pids.length).toBeGreaterThan(0);
    await keystone.dispose();
    await keystone.dispose();
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(keystone.dir)).toBe(false);
    await expect(keystone.start()).rejects.toThrow(/disposed/);
  });
});
