import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PolicyEnforcer } from '@glance-ts/policy';
import { GLANCE_MESSAGES, GlanceHttpError } from '../http/glance-error';
import { sendGlanceError } from '../http/glance-exception.filter';
import type { AuthOutcome, AuthStrategy, Identity } from './auth-strategy';
import { RequestContext } from './request-context';

/**
 * Authenticates every /v2 request before routing, as Glance's auth middleware does: an unknown
 * path or a wrong method from an anonymous caller is a 401, not a 404/405. Stamps the request id
 * on every /v2 response, errors included.
 */
export function registerAuthHook(
  fastify: FastifyInstance,
  strategy: AuthStrategy,
  enforcer: PolicyEnforcer,
): void {
  const rules = {
    isAdmin: (credentials: RequestContext['credentials']) =>
      enforcer.enforce('context_is_admin', {}, credentials),
    seesStoreInternals: (credentials: RequestContext['credentials']) =>
      enforcer.enforce('stores_info_detail', {}, credentials),
  };

  // A context is immutable, so one per identity object serves all its requests (token_file hands out
  // the same object per token). The cache is dropped when the rule set changes (is_admin and seesStoreInternals depend on it).
  let contexts = new WeakMap<Identity, RequestContext>();
  let rulesInUse = enforcer.rules();
  const contextFor = (identity: Identity): RequestContext => {
    if (enforcer.rules() !== rulesInUse) {
      rulesInUse = enforcer.rules();
      contexts = new WeakMap();
    }
    let context = contexts.get(identity);
    if (!context) {
      context = new RequestContext({ ...identity, authStrategy: strategy.name }, rules);
      contexts.set(identity, context);
    }
    return context;
  };

  const unauthorized = () =>
    new GlanceHttpError(401, GLANCE_MESSAGES.unauthorized, { ...strategy.rejectionHeaders });
  const refuse = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (error instanceof GlanceHttpError) sendGlanceError(reply, request, error);
    else {
      request.log.error(
        `${request.id} authentication failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      sendGlanceError(reply, request, new GlanceHttpError(500, GLANCE_MESSAGES.internal));
    }
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/v2/') && request.url !== '/v2') return done();
    reply.header('x-openstack-request-id', request.id);
    const admit = (identity: AuthOutcome): void => {
      if (!identity) return sendGlanceError(reply, request, unauthorized());
      request.glanceContext = contextFor(identity);
      done();
    };
    let outcome: AuthOutcome | Promise<AuthOutcome>;
    try {
      outcome = strategy.authenticate(request.headers);
    } catch (error) {
      return refuse(request, reply, error);
    }
    // Synchronous outcomes (every warm request) skip a promise tick.
    if (outcome instanceof Promise) outcome.then(admit, (error: unknown) => refuse(request, reply, error));
    else admit(outcome);
  });
}
