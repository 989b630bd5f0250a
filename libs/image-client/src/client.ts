// One client of the image API (Glance v2 and glance-ts): the CLI's commands and the volume-upload
// library talk to the service through it. Auth header, request ids, --debug style logging, bounded
// waits, Glance's errors decoded into ImageApiError, bodies streamed both ways.
// undici is loaded on the first request, not at start-up: a CLI's `help` never needs it.
import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import type { Image } from '@glance-ts/contracts';
import type { Dispatcher } from 'undici';
import { type ImageEndpoint, parseImageUrl } from './endpoint';
import {
  ImageApiConnectionError,
  ImageApiError,
  imageApiError,
  InvalidResponseError,
  reasonPhrase,
} from './errors';

export interface ImageApiClientOptions {
  /** Image API endpoint: `http://host:9292`, `http://host:9292/v2` or a prefix `https://host/image`. */
  imageUrl: string;
  /** Sent as X-Auth-Token. */
  token: string;
  userAgent?: string;
  /** Per-request limit for connecting and for each wait on the server (glanceclient: 600 s). */
  timeoutSeconds?: number;
  /** Receives glanceclient --debug style request/response lines. */
  debug?: (text: string) => void;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  /** Aborts this call (the client stays usable). */
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  url: string;
  requestId?: string;
}

export interface BufferedResponse extends ApiResponse {
  body: Buffer;
  text(): string;
  /** JSON.parse; InvalidResponseError when the body is not JSON. */
  json<T>(): T;
}

export interface StreamingResponse extends ApiResponse {
  /** The body, to be consumed (or destroyed) by the caller. */
  body: Readable;
}

/** Called with the bytes moved so far by an upload or download. */
export type ProgressCallback = (bytes: number) => void;

/** A store as `GET /v2/info/stores/detail` describes it (any Glance's: properties as sent). */
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

export interface UploadOptions {
  /** Content-Length when known; otherwise the body goes chunked (as glanceclient always sends it). */
  size?: number;
  /** X-Image-Meta-Store: the store to write to (multi-store). */
  store?: string | null;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Sensitive headers are shown hashed, as glanceclient's utils.safe_header() intends. */
function safeHeaderValue(name: string, value: string): string {
  return name.toLowerCase() === 'x-auth-token'
    ? `{SHA1}${createHash('sha1').update(value).digest('hex')}`
    : value;
}

function normalizeHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

// Failures before any byte reached the server, and what they mean (as strerror would say it).
const CONNECT_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'Connection timed out',
};
const EXCHANGE_FAILURES: Record<string, string> = {
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
  UND_ERR_SOCKET: 'Connection closed by the server',
  UND_ERR_CLOSED: 'Connection closed',
};

let undiciModule: Promise<typeof import('undici')> | undefined;

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. V8 then optimises that code on
 * background threads, and a process cannot exit before they finish: every CLI command ended
 * ~150 ms after its work was done. The baseline compiler is plenty for parsing headers.
 */
function loadUndici(): Promise<typeof import('undici')> {
  if (!undiciModule) {
    setFlagsFromString('--no-wasm-tier-up');
    setFlagsFromString('--no-wasm-dynamic-tiering');
    undiciModule = import('undici');
  }
  return undiciModule;
}

function errorCode(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[] };
  for (const code of [candidate?.code, candidate?.cause?.code, candidate?.errors?.[0]?.code]) {
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * The path of an image (`/v2/images/<id>`) or of something under it (`imagePath(id, 'members',
 * member)`), each segment percent-encoded: ids and names come from users and may hold `/`, `?`, `#`.
 */
export function imagePath(imageId: string, ...below: string[]): string {
  return ['/v2/images', ...[imageId, ...below].map((part) => encodeURIComponent(part))].join('/');
}

/** Counts the bytes passing, for progress callbacks (no copies: chunks are passed on as they are). */
function counting(onProgress: ProgressCallback): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      onProgress(bytes);
      callback(null, chunk);
    },
  });
}

/** Error statuses, and 300 (glanceclient: the requested API version is not available). */
const isFailure = (response: ApiResponse): boolean => response.status >= 400 || response.status === 300;

const failure = (response: ApiResponse, body: Buffer, request: string): ImageApiError =>
  imageApiError(
    response.status,
    response.headers['content-type'],
    body.toString('utf8'),
    response.requestId,
    request,
  );

export class ImageApiClient {
  readonly endpoint: ImageEndpoint;
  private readonly timeoutMs: number;
  private dispatcher?: Dispatcher;

  constructor(private readonly options: ImageApiClientOptions) {
    this.endpoint = parseImageUrl(options.imageUrl);
    this.timeoutMs = Math.round((options.timeoutSeconds ?? 600) * 1000);
  }

  /** The absolute URL of an API path such as "/v2/info/stores". */
  url(path: string): string {
    return `${this.endpoint.base}/${path.replace(/^\/+/, '')}`;
  }

  /** Sends a request and reads the whole answer; an error status throws ImageApiError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<BufferedResponse> {
    const { response, data } = await this.exchange(method, path, options);
    const body = await this.readBody(response, data, options.signal);
    this.logResponse(response, body);
    if (isFailure(response)) throw failure(response, body, `${method} ${path}`);
    return {
      ...response,
      body,
      text: () => body.toString('utf8'),
      json: <T>() => {
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch {
          throw new InvalidResponseError(`Invalid JSON in the response from ${response.url}`);
        }
      },
    };
  }

  /** Like request() for large bodies (image data): the answer body is handed over unread. */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<StreamingResponse> {
    const { response, data } = await this.exchange(method, path, options);
    if (isFailure(response)) {
      const body = await this.readBody(response, data, options.signal);
      this.logResponse(response, body);
      throw failure(response, body, `${method} ${path}`);
    }
    this.logResponse(response);
    return { ...response, body: data.body };
  }

  async getJson(path: string, options: RequestOptions = {}): Promise<BufferedResponse> {
    return this.request('GET', path, options);
  }

  // The calls, as Glance's v2 API names them.

  async getImage(id: string, options: RequestOptions = {}): Promise<Image> {
    return (await this.getJson(imagePath(id), options)).json<Image>();
  }

  async createImage(fields: Record<string, unknown>, options: RequestOptions = {}): Promise<Image> {
    const response = await this.request('POST', '/v2/images', {
      ...options,
      headers: { 'Content-Type': 'application/json', ...options.headers },
      body: JSON.stringify(fields),
    });
    return response.json<Image>();
  }

  async deleteImage(id: string, options: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', imagePath(id), options);
  }

  async addImageTag(id: string, tag: string, options: RequestOptions = {}): Promise<void> {
    await this.request('PUT', imagePath(id, 'tags', tag), options);
  }

  async deleteImageTag(id: string, tag: string, options: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', imagePath(id, 'tags', tag), options);
  }

  /**
   * `PUT /v2/images/{id}/file`, the body streamed. With a known size the request carries
   * Content-Length, otherwise it is chunked; no body at all sends Content-Length: 0.
   */
  async uploadImageData(id: string, data: Readable | undefined, options: UploadOptions = {}): Promise<void> {
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    if (options.store !== undefined && options.store !== null) headers['X-Image-Meta-Store'] = options.store;
    if (data === undefined) headers['Content-Length'] = '0';
    else if (options.size !== undefined) headers['Content-Length'] = String(options.size);
    const body = data && options.onProgress ? data.pipe(counting(options.onProgress)) : data;
    if (body !== data) data?.once('error', (error) => body?.destroy(error));
    await this.request('PUT', imagePath(id, 'file'), {
      headers,
      body: body ?? '',
      signal: options.signal,
    });
  }

  /** `GET /v2/images/{id}/file`; the caller reads (or destroys) the body. 204: the image has none. */
  async downloadImageData(
    id: string,
    options: RequestOptions & { onProgress?: ProgressCallback } = {},
  ): Promise<StreamingResponse> {
    const response = await this.stream('GET', imagePath(id, 'file'), options);
    if (!options.onProgress) return response;
    const body = response.body.pipe(counting(options.onProgress));
    response.body.once('error', (error) => body.destroy(error));
    return { ...response, body };
  }

  /** `POST /v2/images/{id}/locations` (Glance's add-location API for services, 202). */
  async addLocation(id: string, url: string, options: RequestOptions = {}): Promise<void> {
    await this.request('POST', imagePath(id, 'locations'), {
      ...options,
      headers: { 'Content-Type': 'application/json', ...options.headers },
      body: JSON.stringify({ url }),
    });
  }

  /** `GET /v2/info/stores/detail`; a 404 saying multi-backend is off gives `multiStore: false`. */
  async storesDetail(options: RequestOptions = {}): Promise<StoreDiscovery> {
    try {
      const response = await this.getJson('/v2/info/stores/detail', options);
      const body = response.json<{ stores?: StoreDetail[] }>();
      if (!Array.isArray(body.stores))
        throw new InvalidResponseError(`Invalid response from ${response.url}: no "stores" list`);
      return { multiStore: true, stores: body.stores };
    } catch (error) {
      if (error instanceof ImageApiError && error.status === 404 && /multi.?backend/i.test(error.details)) {
        return { multiStore: false, message: error.explanation };
      }
      throw error;
    }
  }

  /** The store ids of `GET /v2/info/stores`, or undefined when multi-store is off (404). */
  async storeIds(options: RequestOptions = {}): Promise<string[] | undefined> {
    try {
      const response = await this.getJson('/v2/info/stores', options);
      const stores = response.json<{ stores?: { id?: unknown }[] }>().stores ?? [];
      return stores.map((store) => String(store.id));
    } catch (error) {
      if (error instanceof ImageApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Closes idle connections (they would not keep the process alive, but tests start many). */
  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  private async exchange(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ response: ApiResponse; data: Dispatcher.ResponseData }> {
    const url = this.url(path);
    const headers: Record<string, string> = {
      // glanceclient sends */* and gets HTML errors; JSON errors are simpler to read and parse.
      Accept: 'application/json',
      ...(this.options.userAgent ? { 'User-Agent': this.options.userAgent } : {}),
      'X-Auth-Token': this.options.token,
      ...options.headers,
    };
    this.logCurl(method, url, headers);

    const undici = await loadUndici();
    this.dispatcher ??= new undici.Agent({ connect: { timeout: this.timeoutMs } });
    let data: Dispatcher.ResponseData;
    try {
      data = await undici.request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: options.body,
        signal: options.signal,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      return this.failed(error, url, options.signal);
    }
    const responseHeaders = normalizeHeaders(data.headers);
    const requestId = responseHeaders['x-openstack-request-id'];
    if (requestId) this.options.debug?.(`${method} call to image for ${url} used request id ${requestId}`);
    if (data.statusCode >= 400) this.options.debug?.(`Request returned failure status ${data.statusCode}.`);
    return { response: { status: data.statusCode, headers: responseHeaders, url, requestId }, data };
  }

  private async readBody(
    response: ApiResponse,
    data: Dispatcher.ResponseData,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    return Buffer.from(
      await data.body.arrayBuffer().catch((error: unknown) => this.failed(error, response.url, signal)),
    );
  }

  private failed(error: unknown, url: string, signal?: AbortSignal): never {
    // The caller's abort is the caller's reason, not a connection failure.
    if (signal?.aborted) throw signal.reason ?? error;
    const code = errorCode(error);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      const seconds = this.timeoutMs / 1000;
      throw new ImageApiConnectionError(
        `Error communicating with ${url}: Read timed out. (read timeout=${seconds})`,
        code,
      );
    }
    if (code && code in CONNECT_FAILURES) {
      throw new ImageApiConnectionError(
        `Unable to establish connection to ${url}: ${CONNECT_FAILURES[code]}`,
        code,
      );
    }
    const reason =
      (code && EXCHANGE_FAILURES[code]) ?? (error instanceof Error ? error.message : String(error));
    throw new ImageApiConnectionError(`Error communicating with ${url}: ${reason}`, code);
  }

  private logCurl(method: string, url: string, headers: Record<string, string>): void {
    if (!this.options.debug) return;
    const parts = [`curl -g -i -X ${method}`];
    for (const [name, value] of Object.entries(headers))
      parts.push(`-H '${name}: ${safeHeaderValue(name, value)}'`);
    parts.push(url);
    this.options.debug(parts.join(' '));
  }

  private logResponse(response: ApiResponse, body?: Buffer): void {
    if (!this.options.debug) return;
    const lines = ['', `HTTP/1.1 ${response.status} ${reasonPhrase(response.status)}`];
    for (const [name, value] of Object.entries(response.headers)) lines.push(`${name}: ${value}`);
    lines.push('');
    if (body && response.headers['content-type'] !== 'application/octet-stream')
      lines.push(body.toString('utf8'), '');
    this.options.debug(lines.join('\n'));
  }
}
