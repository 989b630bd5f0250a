import { Readable } from 'node:stream';
import type { HttpStoreConfig } from '@glance-ts/config';
import type { HttpStorePropertiesDto } from '@glance-ts/contracts';
import { Agent, type Dispatcher, request } from 'undici';
import { AddressGuard } from './http-address-guard';
import {
  StoreBadLocationError,
  StoreNotFoundError,
  type StoreReadOptions,
  type StoreReadResult,
  StoreUnavailableError,
} from './store-data';
import { StoreDriver } from './store-driver';

/** Glance's http store follows at most 5 redirects (glance_store/_drivers/http.py MAX_REDIRECTS). */
export const HTTP_MAX_REDIRECTS = 5;

/** Time allowed to connect and to receive the response headers. */
export const HTTP_DEFAULT_TIMEOUT_MS = 30_000;

/** Time allowed between two pieces of a response body before the download fails. */
export const HTTP_BODY_IDLE_TIMEOUT_MS = 300_000;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpStoreDriverOptions {
  /** Connect and response-headers timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Body idle timeout in ms (default 5 min). */
  bodyTimeoutMs?: number;
  maxRedirects?: number;
  /**
   * Networks (CIDR) the store may reach although they are not public: loopback, link-local, private
   * and other special-purpose addresses are refused otherwise (see http-address-guard.ts).
   */
  allowedNetworks?: readonly string[];
}

type ResponseData = Dispatcher.ResponseData;

/**
 * Read-only images at http(s) URLs (image locations added by URL). Downloads ask the server for the
 * range they need; a server that ignores Range is handled by skipping and cutting the body here.
 * Certificates are verified (Glance's `https_insecure` defaults to skipping that; glance-ts does not).
 * Only public addresses are reached unless the operator allows more (`allowed_networks`).
 */
export class HttpStoreDriver extends StoreDriver<'http'> {
  private readonly agent: Agent;
  private readonly maxRedirects: number;

  constructor(config: HttpStoreConfig, options: HttpStoreDriverOptions = {}) {
    super(config);
    const timeout = options.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS;
    const guard = new AddressGuard(options.allowedNetworks);
    this.agent = new Agent({
      // Every connection, redirects included, goes to an address the guard accepted.
      connect: guard.connector({ timeout }),
      headersTimeout: timeout,
      bodyTimeout: options.bodyTimeoutMs ?? HTTP_BODY_IDLE_TIMEOUT_MS,
    });
    this.maxRedirects = options.maxRedirects ?? HTTP_MAX_REDIRECTS;
  }

  override get readOnly(): boolean {
    return true;
  }

  properties(): HttpStorePropertiesDto {
    return {};
  }

  override owns(url: string): boolean {
    return /^https?:\/\//i.test(url);
  }

  /**
   * As Glance's http store (get_size, _check_store_uri): a URL the service cannot fetch, because
   * the connection fails or the server answers an error, is a bad location given by the caller
   * (glance_store's BadStoreUri, which Glance answers 400), not an outage of a store glance-ts
   * runs. Reading an image that already points there stays StoreUnavailableError (503).
   */
  override async inspectLocation(url: string): Promise<{ size: number }> {
    try {
      return await super.inspectLocation(url);
    } catch (error) {
      if (error instanceof StoreUnavailableError)
        throw new StoreBadLocationError(this.id, url, error.message);
      throw error;
    }
  }

  override async get(url: string, options: StoreReadOptions = {}): Promise<StoreReadResult> {
    this.checkUrl(url);
    const offset = options.offset ?? 0;
    const length = options.length;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset}`);
    if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
      throw new RangeError(`invalid length ${length}`);
    }
    const signal = options.signal;
    if (length === 0) return { size: await this.headSize(url, signal), stream: emptyStream() };

    const ranged = offset > 0 || length !== undefined;
    const headers: Record<string, string> = {};
    if (ranged) headers.range = `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    const response = await this.send('GET', url, headers, signal);

    if (response.statusCode === 416) {
      // The range starts after the end: nothing to send, but the size is still wanted.
      await response.body.dump();
      const total = parseContentRange(header(response, 'content-range'))?.total;
      return { size: total ?? (await this.headSize(url, signal)), stream: emptyStream() };
    }
    if (response.statusCode === 206) {
      const range = parseContentRange(header(response, 'content-range'));
      if (!range || range.start !== offset) {
        response.body.destroy();
        throw new StoreUnavailableError(`${url} answered a range other than the one asked for`, this.id);
      }
      const size = range.total ?? (await this.headSize(url, signal).catch(destroyBodyAndThrow(response)));
      return { size, stream: response.body };
    }
    const size = parseLength(header(response, 'content-length'));
    if (size === null) {
      response.body.destroy();
      throw new StoreUnavailableError(`${url} did not report the image size (no Content-Length)`, this.id);
    }
    // 200: the server sent the whole image (it ignores Range, or none was asked for).
    const stream = ranged
      ? Readable.from(sliceBytes(response.body, offset, length), { objectMode: false })
      : response.body;
    return { size, stream };
  }

  override async close(): Promise<void> {
    // Shutting down: downloads still in flight are cut rather than waited for.
    await this.agent.destroy();
  }

  /** The image size from a HEAD, for when the GET did not say. */
  private async headSize(url: string, signal: AbortSignal | undefined): Promise<number> {
    const response = await this.send('HEAD', url, {}, signal);
    await response.body.dump();
    const size = parseLength(header(response, 'content-length'));
    if (size === null)
      throw new StoreUnavailableError(`${url} did not report the image size (no Content-Length)`, this.id);
    return size;
  }

  /** One request, following redirects; answers below 400 (and 416) are returned, the rest thrown. */
  private async send(
    method: 'GET' | 'HEAD',
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<ResponseData> {
    let current = url;
    for (let redirects = 0; ; redirects += 1) {
      let response: ResponseData;
      try {
        response = await request(current, { method, headers, signal, dispatcher: this.agent });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new StoreUnavailableError(`Cannot read ${current}: ${describe(error)}`, this.id, {
          cause: error,
        });
      }
      const status = response.statusCode;
      if (REDIRECT_STATUSES.has(status)) {
        await response.body.dump();
        const location = header(response, 'location');
        if (location === undefined) {
          throw new StoreUnavailableError(`${current} answered ${status} without a Location`, this.id);
        }
        if (redirects === this.maxRedirects) {
          throw new StoreUnavailableError(`${url} exceeded ${this.maxRedirects} redirects`, this.id);
        }
        current = new URL(location, current).href;
        this.checkUrl(current);
        continue;
      }
      if (status < 300 || status === 416) return response;
      await response.body.dump().catch(() => undefined);
      if (status === 404 || status === 410) throw new StoreNotFoundError(this.id, url);
      throw new StoreUnavailableError(`${current} answered HTTP ${status}`, this.id);
    }
  }

  private checkUrl(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StoreBadLocationError(this.id, url, 'not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new StoreBadLocationError(this.id, url, 'not an http or https URL');
    }
  }
}

function emptyStream(): Readable {
  return Readable.from([], { objectMode: false });
}

function header(response: ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseLength(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const length = Number(value.trim());
  return Number.isSafeInteger(length) ? length : null;
}

/** `bytes <start>-<end>/<total>`, or `bytes *` + `/<total>` (a 416); total null when unknown (`*`). */
function parseContentRange(value: string | undefined): { start: number | null; total: number | null } | null {
  const match = value === undefined ? null : /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (!match) return null;
  return {
    start: match[1] === undefined ? null : Number(match[1]),
    total: match[2] === '*' ? null : Number(match[2]),
  };
}

/** Skips `offset` bytes of `body` and yields `length` bytes (or the rest); stops reading once done. */
async function* sliceBytes(body: AsyncIterable<Buffer>, offset: number, length: number | undefined) {
  let skip = offset;
  let left = length ?? Infinity;
  for await (const chunk of body) {
    let piece = chunk;
    if (skip > 0) {
      if (skip >= piece.length) {
        skip -= piece.length;
        continue;
      }
      piece = piece.subarray(skip);
      skip = 0;
    }
    if (piece.length >= left) {
      yield piece.subarray(0, left);
      return;
    }
    left -= piece.length;
    yield piece;
  }
}

function destroyBodyAndThrow(response: ResponseData): (error: unknown) => never {
  return (error) => {
    response.body.destroy();
    throw error;
  };
}

function describe(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
