import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '@glance-ts/contracts';
import { GLANCE_MESSAGES } from '../http/glance-error';

export const POLICY_RULE_KEY = 'glance:policy-rule';
export const PUBLIC_ROUTE_KEY = 'glance:public-route';
export const REQUIRES_MULTI_STORE_KEY = 'glance:requires-multi-store';
export const AUTH_HEADER_SCHEME = 'X-Auth-Token';

/** JSON example of an error body, exactly as the API renders it for `Accept: application/json`. */
export const errorExample = (status: string, title: string, message: string): ErrorDto => ({
  message: `${message}<br /><br />\n\n\n`,
  code: status,
  title,
});

/**
 * Guards a route with an oslo.policy rule and documents it: one decorator drives both the global
 * RouteAccessGuard and the OpenAPI operation (security scheme, 401 and 403 responses).
 */
export const Policy = (rule: string) =>
  applyDecorators(
    SetMetadata(POLICY_RULE_KEY, rule),
    ApiSecurity(AUTH_HEADER_SCHEME),
    ApiUnauthorizedResponse({
      description: 'No token, or an unknown one.',
      type: ErrorDto,
      example: errorExample('401 Unauthorized', 'Unauthorized', GLANCE_MESSAGES.unauthorized),
    }),
    ApiForbiddenResponse({
      description: `The policy rule \`${rule}\` denies the caller.`,
      type: ErrorDto,
      example: errorExample('403 Forbidden', 'Forbidden', GLANCE_MESSAGES.forbiddenAction(rule)),
    }),
  );

export const POLICY_TARGET_KEY = 'glance:policy-target';

/**
 * What a rule is checked against:
 * - `context`: nothing, an empty target (Glance's rules on no resource, such as
 *   `stores_info_detail`: a rule like `project_id:%(project_id)s` then denies everyone);
 * - `own-project`: the caller's own project, `{project_id}` (Glance's target of `get_images`,
 *   "may you list images at all"; each image is then filtered by visibility);
 * - `image`: the image named by the route's `:image_id`, which the guard loads first (an image the
 *   caller cannot see is a 404 before any rule), then hands to the handler (`@GuardedImage()`);
 * - `request`: the handler builds the target from the request body (image creation) and enforces
 *   the rule itself through ImageAuthorizer; the guard only documents it.
 */
export type PolicyTarget = 'context' | 'own-project' | 'image' | 'request';

/** @Policy checked against the caller's own project (listing): see `own-project`. */
export const OwnProjectPolicy = (rule: string) =>
  applyDecorators(Policy(rule), SetMetadata(POLICY_TARGET_KEY, 'own-project' satisfies PolicyTarget));

/** @Policy for a route on one image: the guard loads the image and checks the rule against it. */
export const ImagePolicy = (rule: string) =>
  applyDecorators(Policy(rule), SetMetadata(POLICY_TARGET_KEY, 'image' satisfies PolicyTarget));

/**
 * @Policy whose target only the handler can build (it depends on the body). The handler must call
 * ImageAuthorizer.enforce*; the route test lists these routes so a new one is reviewed.
 */
export const RequestPolicy = (rule: string) =>
  applyDecorators(Policy(rule), SetMetadata(POLICY_TARGET_KEY, 'request' satisfies PolicyTarget));

/** An explicitly unauthenticated route (versions, docs). Every route needs @Policy or @Public. */
export const Public = () => SetMetadata(PUBLIC_ROUTE_KEY, true);

/** The route answers 404 when `enabled_backends` is empty — before any policy check, as Glance. */
export const RequiresMultiStore = () =>
  applyDecorators(
    SetMetadata(REQUIRES_MULTI_STORE_KEY, true),
    ApiNotFoundResponse({
      description: 'Multi-store is not configured (`enabled_backends` is empty).',
      type: ErrorDto,
      example: errorExample('404 Not Found', 'Not Found', GLANCE_MESSAGES.multiStoreNotSupported),
    }),
  );

export const AUTHENTICATED_ROUTE_KEY = 'glance:authenticated-route';

/**
 * Any authenticated caller, no policy rule: Glance checks none for the store list, import methods
 * or usage. Explicit, so that a forgotten @Policy is still caught by the route test.
 */
export const Authenticated = () =>
  applyDecorators(
    SetMetadata(AUTHENTICATED_ROUTE_KEY, true),
    ApiSecurity(AUTH_HEADER_SCHEME),
    ApiUnauthorizedResponse({
      description: 'No token, or an unknown one.',
      type: ErrorDto,
      example: errorExample('401 Unauthorized', 'Unauthorized', GLANCE_MESSAGES.unauthorized),
    }),
  );

/** What the access decorators say about one route. */
export interface RouteAccess {
  public: boolean;
  authenticated: boolean;
  requiresMultiStore: boolean;
  policyRule: string | null;
  policyTarget: PolicyTarget;
}

/** Reads a route's access markers (method-level markers win over controller-level ones). */
export function readRouteAccess(reflector: Reflector, handler: object, controller: object): RouteAccess {
  const targets = [handler as () => void, controller as () => void];
  return {
    public: reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_KEY, targets) ?? false,
    authenticated: reflector.getAllAndOverride<boolean>(AUTHENTICATED_ROUTE_KEY, targets) ?? false,
    requiresMultiStore: reflector.getAllAndOverride<boolean>(REQUIRES_MULTI_STORE_KEY, targets) ?? false,
    policyRule: reflector.getAllAndOverride<string | undefined>(POLICY_RULE_KEY, targets) ?? null,
    policyTarget:
      reflector.getAllAndOverride<PolicyTarget | undefined>(POLICY_TARGET_KEY, targets) ?? 'context',
  };
}
