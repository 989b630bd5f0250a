import type { RequestContext } from '../auth/request-context';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook for authenticated /v2 requests. */
    glanceContext?: RequestContext;
  }
}
