import type { FastifyInstance } from 'fastify';
import { GlanceHttpError } from './glance-error';

/** JSON request bodies (image create, patch) are small; Glance's own limit is far lower than this. */
const JSON_BODY_LIMIT = 1024 * 1024;

export const JSON_PATCH_MEDIA_TYPES = [
  'application/openstack-images-v2.1-json-patch',
  'application/openstack-images-v2.0-json-patch',
] as const;

/**
 * How request bodies reach handlers:
 * - JSON and Glance's JSON-patch media types are parsed (bad JSON → 400 as Glance words it);
 * - every other type, `application/octet-stream` included, is handed over as the raw stream, so
 *   an upload is never buffered and a handler that wants something else can refuse it (415) before
 *   reading a byte.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parseJson = (
    _request: unknown,
    body: string,
    done: (error: Error | null, value?: unknown) => void,
  ) => {
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch {
      done(new GlanceHttpError(400, 'Malformed JSON in request body.'));
    }
  };
  fastify.addContentTypeParser(
    ['application/json', ...JSON_PATCH_MEDIA_TYPES],
    { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT },
    parseJson,
  );
  fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
}
