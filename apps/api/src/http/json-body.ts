import { dumps } from '@glance-ts/pycompat';

/**
 * A response body as Glance sends it: Python's `json.dumps(obj)` text (`", "` and `": "`
 * separators, non-ASCII escaped). Clients must not depend on it, but byte-for-byte compatibility
 * costs nothing and keeps Content-Length identical. A Buffer, not a string: Fastify would append
 * `; charset=utf-8` to the Content-Type of a string payload, and Glance sends plain `application/json`.
 */
export const pythonJsonBody = (value: unknown): Buffer => Buffer.from(dumps(value));
