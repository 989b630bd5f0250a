import type { Readable } from 'node:stream';
import { type AuthSettings, loginToImageService } from '@glance-ts/keystone';
import { request } from 'undici';

/** The image service to create the image in. */
export interface ImageServiceRef {
  /** Image API endpoint: `http://host:9292`, `http://host:9292/v2` or a prefix `https://host/image`. */
  url: string;
  /** Token with the service or admin role (store details and location calls need it), sent as X-Auth-Token. */
  token: string;
}

/**
 * Keystone credentials instead of a token: the library logs in (as python-glanceclient would) and
 * takes the image endpoint from the catalog, or `url` when given. The user needs the service or
 * admin role, as with a token.
 */
export interface KeystoneImageServiceRef {
  keystone: AuthSettings;
  url?: string;
}

/** The token and endpoint to use: as given, or from a Keystone login. */
export async function resolveImageService(
  ref: ImageServiceRef | KeystoneImageServiceRef,
): Promise<ImageServiceRef> {
  if (!('keystone' in ref)) return ref;
  const login = await loginToImageService({
    ...ref.keystone,
    imageEndpointOverride: ref.url ?? ref.keystone.imageEndpointOverride,
  });
  return { url: login.imageUrl, token: login.token };
}

/** A store as `GET /v2/info/stores/detail` describes it. */
export interface StoreDetail {
  id: string;
  type: string;
  /** The string "true" on the default store (Glance's format); absent elsewhere. */
  default?: string | boolean;
  weight?: number;
  description?: string;
  properties: Record<string, unknown>;
}

/** The image service's stores, or `multiStore: false` when it has no enabled_backends (404). */
export type StoreDiscovery =
  { multiStore: true; stores: StoreDetail[] } | { multiStore: false; message: string };

/** The fields of an image record this library reads. */
export interface ImageRecord {
  id: string;
  status: string;
  size?: number | null;
  stores?: string;
  [key: string]: unknown;
}

/** The image service answered with an error status; `message` is its explanation. */
export class ImageServiceError extends Error {
  constructor(
    /** `POST /v2/images/{id}/locations` and the like. */
    readonly request: string,
    readonly status: number,
    /** The server's message (Glance's JSON error `message`, markup removed). */
    readonly detail: string,
  ) {
    super(`${request} failed with ${status}: ${detail}`);
    this.name = 'ImageServiceError';
  }
}

/** The part of the endpoint before `/v2`: `http://host:9292/v2/` → `http://host:9292`. */
export function imageServiceBase(url: string): string {
  const parsed = new URL(url.trim());
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`Image service URL must be http:// or https://, not ${url}`);
  }
  const segments = parsed.pathname.split('/').filter(Boolean);
  if (/^v\d+(?:\.\d+)?$/.test(segments[segments.length - 1] ?? '')) segments.pop();
  return parsed.origin + (segments.length ? `/${segments.join('/')}` : '');
}

/** Glance's error text from an error body: JSON `message`, else the plain-text/HTML body, trimmed of webob's markup. */
export function errorDetail(text: string, contentType: string): string {
  let message = text;
  if (contentType.includes('json')) {
    try {
      const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
      const found = body.message ?? body.error?.message;
      if (typeof found === 'string') message = found;
    } catch {
      // not JSON after all: use the text
    }
  } else {
    // text/plain: "404 Not Found\n\nThe message\n\n   "; HTML: <h1>..</h1> then the message.
    message = message
      .replace(/<[^>]+>/g, ' ')
      .replace(/^\s*\d{3} [A-Za-z ]+\s*\n/, '')
      .trim();
  }
  return message
    .replace(/<br \/>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A small client of the Image API calls the upload needs (undici; bodies streamed, never buffered). */
export class ImageServiceClient {
  readonly base: string;

  constructor(
    private readonly ref: ImageServiceRef,
    private readonly signal?: AbortSignal,
  ) {
    this.base = imageServiceBase(ref.url);
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { json?: unknown; body?: Readable; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; text: string; contentType: string }> {
    const headers: Record<string, string> = {
      'x-auth-token': this.ref.token,
      accept: 'application/json',
      ...options.headers,
    };
    let body: string | Readable | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const response = await request(this.base + path, { method, headers, body, signal: this.signal });
    const text = await response.body.text();
    const contentType = String(response.headers['content-type'] ?? '');
    if (response.statusCode >= 400) {
      throw new ImageServiceError(`${method} ${path}`, response.statusCode, errorDetail(text, contentType));
    }
    return { status: response.statusCode, text, contentType };
  }

  /** `GET /v2/info/stores/detail`; a 404 saying multi-backend is off gives `multiStore: false`. */
  async storesDetail(): Promise<StoreDiscovery> {
    try {
      const { text } = await this.call('GET', '/v2/info/stores/detail');
      const body = JSON.parse(text) as { stores?: StoreDetail[] };
      if (!Array.isArray(body.stores)) throw new Error('GET /v2/info/stores/detail: no "stores" list');
      return { multiStore: true, stores: body.stores };
    } catch (error) {
      if (
        error instanceof ImageServiceError &&
        error.status === 404 &&
        /multi.?backend/i.test(error.detail)
      ) {
        return { multiStore: false, message: error.detail };
      }
      throw error;
    }
  }

  async createImage(fields: Record<string, unknown>): Promise<ImageRecord> {
    const { text } = await this.call('POST', '/v2/images', { json: fields });
    return JSON.parse(text) as ImageRecord;
  }

  async getImage(id: string): Promise<ImageRecord> {
    const { text } = await this.call('GET', `/v2/images/${encodeURIComponent(id)}`);
    return JSON.parse(text) as ImageRecord;
  }

  async deleteImage(id: string): Promise<void> {
    await this.call('DELETE', `/v2/images/${encodeURIComponent(id)}`);
  }

  /** `POST /v2/images/{id}/locations` (Glance's add-location API for services, 202). */
  async addLocation(id: string, url: string): Promise<void> {
    await this.call('POST', `/v2/images/${encodeURIComponent(id)}/locations`, { json: { url } });
  }

  /** `PUT /v2/images/{id}/file` with a streamed body of exactly `size` bytes. */
  async upload(id: string, body: Readable, size: number, store: string | null): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
    };
    if (store) headers['x-image-meta-store'] = store;
    await this.call('PUT', `/v2/images/${encodeURIComponent(id)}/file`, { body, headers });
  }
}
