// The HTTP side of every command: one Image API endpoint, one token, glanceclient's error texts.
// undici is loaded on the first request, not at start-up: `glance help` never needs it.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import type { Dispatcher } from 'undici';
import { CliError, ConnectionError } from './errors';
import { httpError, reasonPhrase } from './http-errors';
import { loads } from '@glance-ts/pycompat';
import type { PyValue } from '@glance-ts/pycompat';

export interface ImageEndpoint {
  /** Base URL requests are resolved against, without a trailing slash or version segment. */
  base: string;
  /** Major version named by a trailing /vN or /vN.M segment of the URL, if any. */
  urlVersion?: number;
}

/**
 * glanceclient's strip_version(), made robust: the URL may carry a path prefix (a proxy's
 * http://host/image), trailing slashes and a version segment (http://host:9292/v2/); API paths
 * such as /v2/info/stores are resolved below the prefix with the version segment removed.
 */
export function parseImageUrl(imageUrl: string): ImageEndpoint {
  let url: URL;
  try {
    url = new URL(imageUrl.trim());
  } catch {
    throw new CliError(`Invalid image URL "${imageUrl}": expected an absolute http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`Invalid image URL "${imageUrl}": expected an absolute http:// or https:// URL`);
  }
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  let urlVersion: number | undefined;
  const version = /^v(\d+)(?:\.\d+)?$/.exec(segments[segments.length - 1] ?? '');
  if (version) {
    urlVersion = Number(version[1]);
    segments.pop();
  }
  const base = url.origin + (segments.length > 0 ? `/${segments.join('/')}` : '');
  return { base, urlVersion };
}

export interface ApiClientOptions {
  imageUrl: string;
  token: string;
  userAgent: string;
  /** Per-request limit for connecting and for each wait on the server (glanceclient: 600 s). */
  timeoutSeconds?: number;
  /** Receives glanceclient --debug style request/response lines (written to stderr by the caller). */
  debug?: (text: string) => void;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
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
  /** JSON.parse: for typed access to fields. */
  json<T>(): T;
  /** Python's json.loads: for printing the body back the way glanceclient does. */
  pyJson(): PyValue;
}

export interface StreamingResponse extends ApiResponse {
  /** The body, to be consumed (or destroyed) by the caller. */
  body: Readable;
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
 * background threads, and a process cannot exit before they finish: every API command ended
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

export class ApiClient {
  readonly endpoint: ImageEndpoint;
  private readonly timeoutMs: number;
  private dispatcher?: Dispatcher;

  constructor(private readonly options: ApiClientOptions) {
    this.endpoint = parseImageUrl(options.imageUrl);
    this.timeoutMs = Math.round((options.timeoutSeconds ?? 600) * 1000);
  }

  /** The absolute URL of an API path such as "/v2/info/stores". */
  url(path: string): string {
    return `${this.endpoint.base}/${path.replace(/^\/+/, '')}`;
  }

  /** Sends a request and reads the whole answer; error statuses throw glanceclient's message. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<BufferedResponse> {
    const { response, data } = await this.exchange(method, path, options);
    const body = Buffer.from(
      await data.body.arrayBuffer().catch((error: unknown) => this.failed(error, response.url)),
    );
    this.logResponse(response, body);
    if (response.status >= 400 || response.status === 300) {
      throw httpError(
        response.status,
        response.headers['content-type'],
        body.toString('utf8'),
        response.requestId,
      );
    }
    const parsed = <T>(parse: (text: string) => T): T => {
      try {
        return parse(body.toString('utf8'));
      } catch {
        throw new CliError(`Invalid JSON in the response from ${response.url}`);
      }
    };
    return {
      ...response,
      body,
      text: () => body.toString('utf8'),
      json: <T>() => parsed((text) => JSON.parse(text) as T),
      pyJson: () => parsed(loads),
    };
  }

  /** Like request() for large bodies (image data): the answer body is handed over unread. */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<StreamingResponse> {
    const { response, data } = await this.exchange(method, path, options);
    if (response.status >= 400 || response.status === 300) {
      const body = Buffer.from(
        await data.body.arrayBuffer().catch((error: unknown) => this.failed(error, response.url)),
      );
      this.logResponse(response, body);
      throw httpError(
        response.status,
        response.headers['content-type'],
        body.toString('utf8'),
        response.requestId,
      );
    }
    this.logResponse(response);
    return { ...response, body: data.body };
  }

  /** GET a JSON document. */
  async getJson(path: string): Promise<BufferedResponse> {
    return this.request('GET', path);
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
      'User-Agent': this.options.userAgent,
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
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      return this.failed(error, url);
    }
    const responseHeaders = normalizeHeaders(data.headers);
    const requestId = responseHeaders['x-openstack-request-id'];
    if (requestId) this.options.debug?.(`${method} call to image for ${url} used request id ${requestId}`);
    if (data.statusCode >= 400) this.options.debug?.(`Request returned failure status ${data.statusCode}.`);
    return { response: { status: data.statusCode, headers: responseHeaders, url, requestId }, data };
  }

  private failed(error: unknown, url: string): never {
    const code = errorCode(error);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      const seconds = this.timeoutMs / 1000;
      throw new ConnectionError(
        `Error communicating with ${url}: Read timed out. (read timeout=${seconds})`,
        code,
      );
    }
    if (code && code in CONNECT_FAILURES) {
      throw new ConnectionError(`Unable to establish connection to ${url}: ${CONNECT_FAILURES[code]}`, code);
    }
    const reason =
      (code && EXCHANGE_FAILURES[code]) ?? (error instanceof Error ? error.message : String(error));
    throw new ConnectionError(`Error communicating with ${url}: ${reason}`, code);
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
