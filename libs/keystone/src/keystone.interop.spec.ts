import { setTimeout as sleep } from 'node:timers/promises';
import { type ImageCloud, provisionImageCloud, startKeystone, type TestKeystone } from '@glance-ts/testing';
import { KeystoneAuthenticationError, KeystoneUnavailableError } from './errors';
import { IdentityClient } from './identity-client';
import { loginToImageService } from './image-service-login';
import { KeystoneSession } from './session';
import { TokenValidator } from './token-validator';

/** Counts the validations that reach Keystone (instrumentation, not a stand-in: Keystone answers). */
class CountingClient extends IdentityClient {
  validations = 0;
  override validateToken(...args: Parameters<IdentityClient['validateToken']>) {
    this.validations++;
    return super.validateToken(...args);
  }
}

describe('against a real Keystone', () => {
  let keystone: TestKeystone;
  let cloud: ImageCloud;
  let client: CountingClient;
  const glanceLogin = () =>
    new KeystoneSession(client, {
      type: 'password',
      username: cloud.glance.name,
      password: cloud.glance.password,
      projectName: 'service',
    });

  beforeAll(async () => {
    keystone = await startKeystone();
    cloud = await provisionImageCloud(keystone);
    await keystone.registerService({ type: 'image', name: 'glance', url: 'http://127.0.0.1:9292' });
    client = new CountingClient(keystone.authUrl, { timeoutMs: 5000, retries: 1 });
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await keystone?.dispose();
  });

  it('validates a token once; warm validations and concurrent cold ones cost no more round trips', async () => {
    const validator = new TokenValidator({
      client,
      session: glanceLogin(),
      serviceTokenRoles: ['service'],
      serviceTokenRolesRequired: false,
      cacheTimeSeconds: 300,
    });
    const token = await cloud.token(cloud.alice);
    const before = client.validations;
    const results = await Promise.all(Array.from({ length: 20 }, () => validator.validate(token)));
    expect(client.validations - before).toBe(1);
    for (const result of results) {
      expect(result).toMatchObject({
        valid: true,
        user: { userId: cloud.alice.id, projectId: cloud.alice.projectId },
      });
    }
    expect(validator.cached(token)).toMatchObject({ valid: true });
    await validator.validate(token);
    expect(client.validations - before).toBe(1);
    // The roles are Keystone's (member implies reader).
    expect((results[0] as { user: { roles: string[] } }).user.roles.sort()).toEqual(['member', 'reader']);
  });

  it('refuses a service token without the service role when service_token_roles_required', async () => {
    const warnings: string[] = [];
    const strict = new TokenValidator({
      client,
      session: glanceLogin(),
      serviceTokenRoles: ['service'],
      serviceTokenRolesRequired: true,
      cacheTimeSeconds: 300,
    });
    const lenient = new TokenValidator({
      client,
      session: glanceLogin(),
      serviceTokenRoles: ['service'],
      serviceTokenRolesRequired: false,
      cacheTimeSeconds: 300,
      log: { warn: (message) => warnings.push(message) },
    });
    const [alice, carol, nova] = await Promise.all(
      [cloud.alice, cloud.carol, cloud.nova].map((user) => cloud.token(user)),
    );
    expect(await strict.validate(alice, carol)).toEqual({
      valid: false,
      reason: 'service token without a service_token_roles role',
    });
    expect(await strict.validate(alice, nova)).toMatchObject({
      valid: true,
      service: { userId: cloud.nova.id },
    });
    expect(await lenient.validate(alice, carol)).toMatchObject({ valid: true, service: null });
    await lenient.validate(alice, carol);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`user ${cloud.carol.id}`);
    expect(warnings[0]).not.toContain(carol);
  });

  it('renews its own token before it expires', async () => {
    const shortKeystone = await startKeystone({ tokenExpiration: 8 });
    const shortClient = new IdentityClient(shortKeystone.authUrl);
    try {
      await shortKeystone.createUser({ name: 'svc', password: 'svc-password', projectId: undefined });
      const session = new KeystoneSession(shortClient, {
        type: 'password',
        username: 'svc',
        password: 'svc-password',
      });
      const first = await session.token();
      expect((await session.token()).token).toBe(first.token);
      // Renewed in the last quarter of its 8 s life (Keystone truncates expiry to whole seconds).
      await sleep(first.info.expiresAt.getTime() - Date.now() - 1500);
      const second = await session.token();
      expect(second.token).not.toBe(first.token);
      expect(second.info.expiresAt.getTime()).toBeGreaterThan(first.info.expiresAt.getTime());
    } finally {
      await shortClient.close();
      await shortKeystone.dispose();
    }
  }, 60_000);

  it('logs a client in and finds the image endpoint; says why when it cannot', async () => {
    const login = await loginToImageService({
      authUrl: keystone.url,
      username: cloud.alice.name,
      password: cloud.alice.password,
      projectName: 'demo',
      interface: 'internal',
    });
    expect(login.imageUrl).toBe('http://127.0.0.1:9292');
    expect((await keystone.validateToken(login.token)).status).toBe(200);
    await expect(
      loginToImageService({
        authUrl: keystone.url,
        username: 'alice',
        password: 'nope',
        projectName: 'demo',
      }),
    ).rejects.toThrow(KeystoneAuthenticationError);
    await expect(
      loginToImageService({ authUrl: 'http://127.0.0.1:9/v3', username: 'a', password: 'b' }, { retries: 0 }),
    ).rejects.toThrow(
      new KeystoneUnavailableError(
        'Keystone at http://127.0.0.1:9/v3 did not answer (ECONNREFUSED) after 1 attempt',
      ),
    );
  });
});
