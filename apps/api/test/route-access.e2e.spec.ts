import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { GLANCE_POLICY_DEFAULTS } from '@glance-ts/policy';
import { readRouteAccess, type RouteAccess } from '../src/access/access.decorators';
import { fixture, type RunningApi, startApi } from './support/test-api';

interface RouteWithAccess extends RouteAccess {
  route: string;
}

/** Every route of the real app, with the access marker the global guard will read. */
function enumerateRoutes(api: RunningApi): RouteWithAccess[] {
  const discovery = api.app.get(DiscoveryService);
  const scanner = api.app.get(MetadataScanner);
  const reflector = api.app.get(Reflector);
  const routes: RouteWithAccess[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const prototype = Object.getPrototypeOf(instance);
    const base = Reflect.getMetadata(PATH_METADATA, metatype) as string;
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[methodName];
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      routes.push({
        route: `${method} /${[base, path].filter((p) => p && p !== '/').join('/')}`,
        // The same reading the global guard does.
        ...readRouteAccess(reflector, handler, metatype),
      });
    }
  }
  return routes;
}

describe('access control of every route', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi(fixture('reference-six-stores.conf'));
  });
  afterAll(() => api?.close());

  it('finds the routes of every controller', () => {
    const routes = enumerateRoutes(api).map((r) => r.route);
    expect(routes).toEqual(
      expect.arrayContaining(['GET /v2/info/stores', 'GET /v2/info/stores/detail', 'GET /versions']),
    );
  });

  it('gives every route a policy rule or an explicit @Public/@Authenticated marker', () => {
    const unguarded = enumerateRoutes(api).filter((r) => !r.policyRule && !r.public && !r.authenticated);
    expect(unguarded).toEqual([]);
  });

  it('names only policy rules that are registered', () => {
    const registered = new Set(GLANCE_POLICY_DEFAULTS.map((rule) => rule.name));
    const unknown = enumerateRoutes(api).filter((r) => r.policyRule && !registered.has(r.policyRule));
    expect(unknown).toEqual([]);
  });

  it('keeps /v2 routes out of the public set', () => {
    const publicV2 = enumerateRoutes(api).filter((r) => r.public && r.route.includes(' /v2'));
    expect(publicV2).toEqual([]);
  });

  it('checks every route on one image against that image (the guard loads it first), but the members routes', () => {
    const imageRoutes = enumerateRoutes(api).filter(
      (r) => r.route.includes(':image_id') && !r.route.includes('/members'),
    );
    expect(imageRoutes.length).toBeGreaterThanOrEqual(9);
    expect(imageRoutes.filter((r) => r.policyTarget !== 'image')).toEqual([]);
  });

  it('lets only image creation and the members routes enforce their rules in the handler (reviewed list)', () => {
    // The members routes check "only shared images have members" before the rule and answer per
    // route as Glance does (ImageMembersService, through ImageAuthorizer.enforceMemberRule).
    const inHandler = enumerateRoutes(api)
      .filter((r) => r.policyTarget === 'request')
      .map((r) => `${r.route} ${r.policyRule}`)
      .sort();
    expect(inHandler).toEqual([
      'DELETE /v2/images/:image_id/members/:member_id delete_member',
      'GET /v2/images/:image_id/members get_members',
      'GET /v2/images/:image_id/members/:member_id get_member',
      'POST /v2/images add_image',
      'POST /v2/images/:image_id/members add_member',
      'PUT /v2/images/:image_id/members/:member_id modify_member',
    ]);
  });
});
