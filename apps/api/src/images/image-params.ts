import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ImageRecord } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_MESSAGES, GlanceHttpError } from '../http/glance-error';

/** The image the route guard loaded and authorised (routes marked @ImagePolicy). */
export const GuardedImage = createParamDecorator(
  (_data: unknown, execution: ExecutionContext): ImageRecord => {
    const image = execution.switchToHttp().getRequest<FastifyRequest>().glanceImage;
    // Only reachable if a route reads the image without @ImagePolicy: fail closed.
    if (!image) throw new GlanceHttpError(403, 'This route has no image access check.');
    return image;
  },
);

/** The caller, as the auth hook identified them. */
export const RequestCtx = createParamDecorator(
  (_data: unknown, execution: ExecutionContext): RequestContext => {
    const context = execution.switchToHttp().getRequest<FastifyRequest>().glanceContext;
    if (!context) throw new GlanceHttpError(401, GLANCE_MESSAGES.unauthorized);
    return context;
  },
);
