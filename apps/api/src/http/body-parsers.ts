import type { Readable } from 'node:stream';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GlanceHttpError } from './glance-error';

/** JSON request bodies (image create, patch, locations) are small; Glance's own limit is far lower. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/** The one route whose body is image data: a stream, never buffered. */
const UPLOAD_ROUTE = '/v2/images/:image_id/file';

/** A request body as it arrived, read whole (bounded), for the handler to parse as JSON. */
export class RawBody {
  constructor(readonly bytes: Buffer) {}
}

/**
 * How request bodies reach handlers:
 * - image data (`PUT /v2/images/{id}/file`) is handed over as the raw stream, whatever its type, so
 *   an upload is never buffered and the handler can refuse a wrong type (415) before reading a byte;
 * - any other body is read whole (at most JSON_BODY_LIMIT, else 413) into a RawBody, and the handler
 *   decides: Glance parses JSON whatever the Content-Type says (its JSONRequestDeserializer ignores
 *   it), except PATCH, which checks the media type first (415). See jsonBody.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, payload, done) => {
    if (request.routeOptions.url === UPLOAD_ROUTE) return done(null, payload);
    readWhole(payload, JSON_BODY_LIMIT).then(
      (bytes) => done(null, bytes.length === 0 ? undefined : new RawBody(bytes)),
      (error: Error) => done(error),
    );
  });
}

/** Reads a small body, failing with 413 beyond `limit` (and with the stream's own error). */
function readWhole(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        stream.resume();
        reject(new GlanceHttpError(413, 'Request Entity Too Large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/**
 * Glance's JSONRequestDeserializer on a body: undefined when there is none; otherwise JSON, or
 * 400 "Malformed JSON in request body." (invalid JSON, or bytes that are not UTF-8 text).
 */
export function jsonBody(body: unknown): unknown {
  if (!(body instanceof RawBody)) return body;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body.bytes);
  } catch {
    throw new GlanceHttpError(400, 'Malformed JSON in request body.');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GlanceHttpError(400, 'Malformed JSON in request body.');
  }
}

/** The request body parsed as Glance's JSON routes parse it (see jsonBody). */
export const JsonBody = createParamDecorator((_data: unknown, execution: ExecutionContext): unknown =>
  jsonBody(execution.switchToHttp().getRequest<FastifyRequest>().body),
);
