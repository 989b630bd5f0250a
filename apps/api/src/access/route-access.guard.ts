import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PolicyEnforcer } from '@glance-ts/policy';
import { GLANCE_MESSAGES, GlanceHttpError } from '../http/glance-error';
import { StoreRegistry } from '@glance-ts/stores';
import { readRouteAccess, type RouteAccess } from './access.decorators';
import { IMAGE_ACCESS, type ImageAccess } from './image-access';

/**
 * The one global guard. Checks run in Glance's order: the auth hook has already answered 401;
 * then a GET with a body → 400, multi-store not configured → 404, and only then the policy → 403.
 * A route with none of @Policy, @Authenticated or @Public is refused (fail closed); a test forbids
 * it too. Image routes load their image here: a caller who cannot see it gets 404 before the rule.
 */
@Injectable()
export class RouteAccessGuard implements CanActivate {
  /** Route metadata never changes: read it once per handler, not per request. */
  private readonly accessByHandler = new WeakMap<object, RouteAccess>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(PolicyEnforcer) private readonly enforcer: PolicyEnforcer,
    private readonly stores: StoreRegistry,
    @Inject(IMAGE_ACCESS) private readonly images: ImageAccess,
  ) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(execution);
    if (access.public) return true;

    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const context = request.glanceContext;
    if (!context) throw new GlanceHttpError(401, GLANCE_MESSAGES.unauthorized);

    if (request.method === 'GET' && hasBody(request)) {
      throw new GlanceHttpError(400, GLANCE_MESSAGES.bodyNotExpected);
    }
    if (access.requiresMultiStore && !this.stores.multiStore) {
      throw new GlanceHttpError(404, GLANCE_MESSAGES.multiStoreNotSupported);
    }
    if (access.policyRule === null) {
      if (access.authenticated) return true;
      throw new GlanceHttpError(403, 'This route has no access policy.');
    }
    switch (access.policyTarget) {
      case 'image': {
        const imageId = (request.params as Record<string, string | undefined>).image_id;
        if (imageId === undefined) throw new GlanceHttpError(403, 'This route has no image to check.');
        const image = await this.images.loadVisible(imageId, context);
        this.images.enforce(access.policyRule, image, context);
        request.glanceImage = image;
        return true;
      }
      case 'request':
        // The handler builds the target from the body and enforces the rule (ImageAuthorizer).
        return true;
      case 'own-project': {
        const own = { project_id: context.projectId };
        if (!this.enforcer.enforce(access.policyRule, own, context.credentials)) {
          throw new GlanceHttpError(403, GLANCE_MESSAGES.forbiddenAction(access.policyRule));
        }
        return true;
      }
      case 'context':
        // Glance checks rules on no resource (stores_info_detail) against an empty target, so a
        // rule such as `project_id:%(project_id)s` denies everyone there, as measured on Glance.
        if (!this.enforcer.enforce(access.policyRule, {}, context.credentials)) {
          throw new GlanceHttpError(403, GLANCE_MESSAGES.forbiddenAction(access.policyRule));
        }
        return true;
    }
  }

  private accessOf(execution: ExecutionContext): RouteAccess {
    const handler = execution.getHandler();
    let access = this.accessByHandler.get(handler);
    if (!access) {
      access = readRouteAccess(this.reflector, handler, execution.getClass());
      this.accessByHandler.set(handler, access);
    }
    return access;
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}
