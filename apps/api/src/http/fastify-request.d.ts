import type { ImageRecord } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook for authenticated /v2 requests. */
    glanceContext?: RequestContext;
    /** Set by the route guard on image routes: the image, loaded and authorised. */
    glanceImage?: ImageRecord;
  }
}
