import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError } from '@glance-ts/db';
import { GLANCE_MESSAGES, GlanceHttpError, renderGlanceError } from './glance-error';
import type { RouteTable } from './route-table';

/**
 * A feature's map from its own errors to Glance's answers: returns the GlanceHttpError for an error
 * it knows, and any other error as it is (or what it wrapped).
 */
export type ErrorTranslator = (error: unknown) => unknown;

/**
 * Every error leaves in Glance's format, and this is the one place that decides how: the features'
 * translators first (images: translateImageErrors), then the database, Fastify and Nest errors. Nest's
 * "route not found" becomes 405 + Allow when the path exists with other methods (OPTIONS → 200,
 * empty), else Glance's 404.
 */
@Catch()
export class GlanceExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('GlanceExceptionFilter');

  constructor(
    private readonly routes: RouteTable,
    private readonly translators: readonly ErrorTranslator[] = [],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = this.toGlanceError(exception, request);
    if (error === null) {
      reply.code(200).header('content-length', '0').send();
      return;
    }
    sendGlanceError(reply, request, error);
  }

  private toGlanceError(exception: unknown, request: FastifyRequest): GlanceHttpError | null {
    for (const translate of this.translators) exception = translate(exception);
    if (exception instanceof GlanceHttpError) return exception;
    if (exception instanceof DatabaseUnavailableError) return databaseUnavailable(exception);
    if (request.is404) {
      const allowed = this.routes.allowedMethods(request.url.split('?')[0]);
      if (!allowed) return new GlanceHttpError(404, GLANCE_MESSAGES.notFound);
      if (request.method === 'OPTIONS') return null;
      return GlanceHttpError.methodNotAllowed(request.method, allowed);
    }
    // Fastify's own request errors (a body over the parser's limit, a bad Content-Length) carry a
    // 4xx statusCode: the client's fault, not a 500.
    const fastifyStatus = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return new GlanceHttpError(fastifyStatus, (exception as Error).message);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) this.logger.error(exception.message, exception.stack);
      return new GlanceHttpError(status, exception.message);
    }
    this.logger.error(
      `unhandled error on ${request.method} ${request.url}: ${exception instanceof Error ? exception.stack : String(exception)}`,
    );
    return new GlanceHttpError(500, GLANCE_MESSAGES.internal);
  }
}

/** Seconds a client is told to wait (Retry-After) before trying again when the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The database is restarting or locked: 503 with a retry hint, the cause for operators only. */
export function databaseUnavailable(error: DatabaseUnavailableError): GlanceHttpError {
  return new GlanceHttpError(
    503,
    'The image database is unavailable; try again later.',
    { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    'generic',
    { operatorMessage: error.message },
  );
}

export function sendGlanceError(reply: FastifyReply, request: FastifyRequest, error: GlanceHttpError): void {
  // What went wrong in full, store internals included, for the operator; the caller may get less.
  if (error.operatorMessage !== null || error.status >= 500) {
    request.log.warn(`${request.id} ${error.status}: ${error.operatorMessage ?? error.message}`);
  }
  const seesInternals = request.glanceContext?.seesStoreInternals ?? false;
  const rendered = renderGlanceError(error, request.headers.accept, seesInternals);
  reply.code(rendered.status).headers(rendered.headers).type(rendered.contentType);
  // HEAD answers carry no body (Content-Length: 0), as webob's do.
  reply.send(request.method === 'HEAD' ? '' : Buffer.from(rendered.body));
}
