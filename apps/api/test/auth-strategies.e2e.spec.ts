import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GLANCE_POLICY_DEFAULTS, PolicyEnforcer } from '@glance-ts/policy';
import { RequestContext } from '../src/auth/request-context';
import { GlanceHttpError } from '../src/http/glance-error';
import type { ImageAuthorizer } from '../src/images/image-authorizer';
import { RouteAccessGuard } from '../src/access/route-access.guard';
import { StoreRegistry } from '@glance-ts/stores';
import { fixture, type RunningApi, startApi } from './support/test-api';

describe('noauth strategy', () => {
  let api: RunningApi;
  beforeAll(async () => {
    const config = fixture('reference-six-stores.conf').replace(
      'strategy = trusted_headers',
      'strategy = noauth\nnoauth_roles = Admin\nnoauth_user_id = dev\nnoauth_project_id = devproject',
    );
    api = await startApi(config);
  });
  afterAll(() => api?.close());

  it('warns loudly at start-up, naming the user and roles', () => {
    const warning = api.logs.find((line) => line.includes('AUTHENTICATION IS DISABLED'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!).level).toBe(40);
    expect(warning).toContain('dev');
    expect(warning).toContain('admin');
  });

  it('gives every request, even without a token, the configured (lower-cased) roles', async () => {
    const response = await fetch(`${api.url}/v2/info/stores/detail`);
    expect(response.status).toBe(200);
  });
});

describe('RouteAccessGuard', () => {
  const enforcer = new PolicyEnforcer({ defaults: GLANCE_POLICY_DEFAULTS });
  enforcer.load();
  const guard = new RouteAccessGuard(
    new Reflector(),
    enforcer,
    new StoreRegistry({ multiStore: false, stores: [], defaultBackend: null, singleStore: null }),
    // Unmarked routes never reach the image checks.
    {} as ImageAuthorizer,
  );
  const admin = new RequestContext(
    { userId: 'u', projectId: 'p', roles: ['admin'], authStrategy: 'test' },
    { isAdmin: () => true, seesStoreInternals: () => true },
  );

  /** An execution context for a handler that carries no access decorator at all. */
  const unmarkedRoute = (context: RequestContext | undefined): ExecutionContext =>
    ({
      getHandler: () => function unmarked() {},
      getClass: () => class UnmarkedController {},
      switchToHttp: () => ({ getRequest: () => ({ method: 'GET', headers: {}, glanceContext: context }) }),
    }) as unknown as ExecutionContext;

  it('refuses a route with no @Policy, @Authenticated or @Public, even for an admin', async () => {
    const thrown = await guard.canActivate(unmarkedRoute(admin)).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(GlanceHttpError);
    expect((thrown as GlanceHttpError).status).toBe(403);
  });

  it('answers 401 when no request context was established', async () => {
    await expect(guard.canActivate(unmarkedRoute(undefined))).rejects.toEqual(
      expect.objectContaining({ status: 401 }),
    );
  });
});
