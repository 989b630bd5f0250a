import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import type { ImageRecord, ImageRepository } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { GlanceHttpError } from '../http/glance-error';
import {
  type StoreDriver,
  type StoredImage,
  type StoreReadResult,
  StoreUnavailableError,
  StoreRegistry,
} from '@glance-ts/stores';
import { InvalidImageDataError } from '@glance-ts/image-format';
import { createImageHasher } from './image-hasher';
import { imageNotFound } from './image-authorizer';
import { IMAGE_REPOSITORY } from './images.tokens';
import { parseByteRange } from './byte-range';
import { UploadFormatInspection } from './image-format-inspection';
import { ImageOperationError } from './image-error-answers';
import { UploadAbortedError, UploadTimeoutError } from './upload-errors';
import { PROCESS_OWNER } from '../process/process-identity';

/** What an upload is told about the request besides its body. */
export interface UploadRequest {
  contentType: string | undefined;
  /** `X-Image-Meta-Store`: the store to write to (multi-store only). */
  storeId: string | undefined;
  /** Declared `Content-Length`, when the client sent one. */
  contentLength: number | null;
  /** Declared `Content-MD5` (hex, as Glance sends it on download, or base64 as RFC 1864). */
  contentMd5: string | undefined;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** A download ready to stream. */
export interface DownloadResponse {
  status: 200 | 204 | 206;
  headers: Record<string, string>;
  body: Readable | null;
}

/**
 * Image data in and out: `PUT /v2/images/{id}/file` streams the body through the hasher into one
 * store; `GET` streams it back, whole or a byte range. Status changes are compare-and-set in the
 * database, so two uploads to one image (even in two worker processes) cannot both run.
 */
@Injectable()
export class ImageDataService {
  private readonly logger = new Logger(ImageDataService.name);

  constructor(
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
    @Inject(GLANCE_CONFIG) private readonly config: GlanceConfig,
  ) {}

  async upload(image: ImageRecord, body: Readable, request: UploadRequest): Promise<void> {
    checkContentType(request.contentType);
    const store = this.storeForUpload(request.storeId);

    const lease = { owner: PROCESS_OWNER, store: store.id, heartbeatAt: Date.now() };
    const saving = await this.images.transition(image.id, ['queued'], {
      core: { status: 'saving' },
      upload: lease,
    });
    if (!saving) {
      const current = await this.images.get(image.id);
      if (!current) throw imageNotFound(image.id);
      throw new GlanceHttpError(
        409,
        `Image status transition from ${current.status} to saving is not allowed`,
      );
    }

    const abort = new AbortController();
    const hasher = createImageHasher({ maxBytes: this.config.imageSizeCap });
    // A failure anywhere ends the write: the signal tells the store, and the hasher it reads is
    // destroyed, so a store waiting for the next chunk of a body that will never come wakes up.
    const fail = (reason: Error) => {
      if (abort.signal.aborted) return;
      abort.abort(reason);
      hasher.destroy(reason);
    };
    // The body's and the hasher's errors are this upload's for as long as they live (they may come
    // before the store reads, or after it is done): each aborts the store's write, which rejects
    // with it. Without a listener an 'error' would end the worker (a client hanging up did).
    const onBodyError = (error: Error) => fail(error);
    body.on('error', onBodyError);
    const onClientGone = () => fail(new UploadAbortedError());
    request.signal.addEventListener('abort', onClientGone, { once: true });
    // The client may have gone while the image was being marked saving.
    if (request.signal.aborted || body.destroyed) onClientGone();
    const heartbeat = this.heartbeat(image.id, lease.owner);
    const watchdog = this.progressWatchdog(body, fail);
    // The format is read from the bytes as they pass (Glance HEAD's in-flight format inspection).
    const inspection = new UploadFormatInspection(image, this.config.imageFormat);
    body.on('data', inspection.feed);
    let stored: StoredImage | null = null;
    hasher.on('error', fail);
    try {
      // pipe, not pipeline: a failing store destroys the hasher, and the request must survive that
      // so that the error answer (413, 503...) reaches a client that is still sending.
      body.pipe(hasher);
      try {
        stored = await store.add(image.id, hasher, {
          signal: abort.signal,
          expectedSize: request.contentLength,
        });
      } catch (error) {
        body.unpipe(hasher);
        // A store that failed before reading everything leaves the hasher half fed: destroying it
        // gives its worker lane back (a leased lane keeps the process alive).
        hasher.destroy();
        // Read and drop the rest of the body: the answer goes out on a connection that then closes.
        body.resume();
        throw error;
      }
      const digest = await hasher.digest();
      checkDeclaredValues(request, digest.size, digest.checksum);
      const virtualSize = inspectedVirtualSize(inspection, request.contentType);

      const location = {
        url: stored.url,
        metadata: locationMetadata(store, this.stores.multiStore, stored),
        status: 'active' as const,
      };
      const active = await this.images.transition(image.id, ['saving'], {
        core: {
          status: 'active',
          size: digest.size,
          checksum: digest.checksum,
          osHashAlgo: 'sha512',
          osHashValue: digest.osHashValue,
          virtualSize,
        },
        locations: [...image.locations, location],
        ifUploadOwner: lease.owner,
      });
      if (!active) {
        // Deleted, or given up on as abandoned, while the data was on its way: it belongs to nobody.
        throw new GlanceHttpError(
          410,
          `Image ${image.id} could not be found after upload. The image may have been deleted during the upload.`,
        );
      }
    } catch (error) {
      if (stored) await this.discard(store, stored.url, image.id);
      await this.restoreQueued(image.id, lease.owner);
      // Glance's answer (and `Connection: close`: the client may still be sending) comes from
      // translateImageErrors.
      throw new ImageOperationError({ kind: 'upload', storeId: store.id }, error);
    } finally {
      clearInterval(heartbeat);
      watchdog.stop();
      body.off('data', inspection.feed);
      request.signal.removeEventListener('abort', onClientGone);
      // The body keeps a listener to its end: an 'error' after the upload is settled is harmless.
      body.off('error', onBodyError);
      body.on('error', ignoreLateError);
    }
  }

  /**
   * Back to queued, as Glance restores the image on a failed upload, so the client may try again;
   * only while the upload is still this process's. Should the database be away, the lease expires
   * and UploadRecovery does it later: the answer to the client must not wait for that.
   */
  private async restoreQueued(imageId: string, owner: string): Promise<void> {
    try {
      await this.images.transition(imageId, ['saving'], { core: { status: 'queued' }, ifUploadOwner: owner });
    } catch (error) {
      this.logger.error(`image ${imageId}: cannot put the image back to queued: ${String(error)}`);
    }
  }

  /** Keeps the upload's lease fresh while it runs (see UploadRecovery). */
  private heartbeat(imageId: string, owner: string): NodeJS.Timeout {
    const interval = Math.min(30_000, (this.config.staleUploadTimeout * 1000) / 3);
    const timer = setInterval(() => {
      this.images.heartbeatUpload(imageId, owner, Date.now()).catch((error: unknown) => {
        this.logger.warn(`image ${imageId}: upload heartbeat failed: ${String(error)}`);
      });
    }, interval);
    timer.unref();
    return timer;
  }

  /**
   * `client_socket_timeout`: an upload that receives less than UPLOAD_MIN_PROGRESS bytes in that
   * many seconds ends (408): a stalled or trickling client must not hold a connection and an image
   * in `saving` for ever.
   */
  private progressWatchdog(body: Readable, fail: (reason: Error) => void): { stop(): void } {
    const seconds = this.config.server.clientSocketTimeout;
    if (seconds === 0) return { stop: () => undefined };
    let received = 0;
    const count = (chunk: Buffer) => (received += chunk.length);
    body.on('data', count);
    const timer = setInterval(() => {
      if (received < UPLOAD_MIN_PROGRESS) fail(new UploadTimeoutError(seconds));
      received = 0;
    }, seconds * 1000);
    timer.unref();
    return {
      stop: () => {
        clearInterval(timer);
        body.off('data', count);
      },
    };
  }

  async download(
    image: ImageRecord,
    rangeHeader: string | undefined,
    context: RequestContext,
  ): Promise<DownloadResponse> {
    if (image.status === 'deactivated' && !context.isAdmin) {
      throw new GlanceHttpError(
        403,
        'The requested image has been deactivated. Image data download is forbidden.',
      );
    }
    const locations = image.locations.filter((location) => location.status === 'active');
    if (locations.length === 0 || image.size === null) return { status: 204, headers: {}, body: null };

    const range = parseByteRange(rangeHeader, image.size);
    if (range === 'unsatisfiable') {
      throw new GlanceHttpError(416, 'Requested range not satisfiable', {
        'content-range': `bytes */${image.size}`,
      });
    }

    let lastError: unknown = null;
    for (const location of locations) {
      const store = this.stores.storeForLocation(location.url);
      if (!store) continue;
      let data: StoreReadResult;
      try {
        data = await store.get(
          location.url,
          range ? { offset: range.start, length: range.end - range.start + 1 } : {},
        );
      } catch (error) {
        lastError = error;
        this.logger.warn(
          `image ${image.id}: cannot read ${location.url} from store ${store.id}: ${String(error)}`,
        );
        continue;
      }
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (range) {
        headers['content-range'] = `bytes ${range.start}-${range.end}/${data.size}`;
        headers['content-length'] = String(range.end - range.start + 1);
        return { status: 206, headers, body: data.stream };
      }
      if (image.checksum) headers['content-md5'] = image.checksum;
      headers['content-length'] = String(data.size);
      return { status: 200, headers, body: data.stream };
    }
    if (lastError instanceof StoreUnavailableError) {
      throw GlanceHttpError.forOperators(
        503,
        `Image data of ${image.id} is unavailable: ${lastError.summary}`,
        `Image data of ${image.id} is unavailable: ${lastError.message}`,
      );
    }
    // Glance answers 204 when the store has no data for the location (glance_store.NotFound).
    this.logger.error(`image ${image.id}: no readable data in any of its ${locations.length} location(s)`);
    return { status: 204, headers: {}, body: null };
  }

  private storeForUpload(storeId: string | undefined): StoreDriver {
    let store: StoreDriver | undefined;
    if (storeId !== undefined && this.stores.multiStore) {
      store = this.stores.getDataStore(storeId);
      if (!store) throw new GlanceHttpError(400, `Store for identifier ${storeId} not found`);
    } else {
      store = this.stores.defaultDataStore();
    }
    if (!store) throw new GlanceHttpError(503, 'No store is configured for image data.');
    if (store.readOnly) throw new GlanceHttpError(400, `Store ${store.id} is read only`);
    return store;
  }

  private async discard(store: StoreDriver, url: string, imageId: string): Promise<void> {
    try {
      await store.delete(url);
    } catch (error) {
      this.logger.error(`image ${imageId}: could not remove rejected data at ${url}: ${String(error)}`);
    }
  }
}

/** Bytes an upload must receive per `client_socket_timeout` to be making progress. */
export const UPLOAD_MIN_PROGRESS = 1024;

function ignoreLateError(): void {}

/** Glance's `request.get_content_type(('application/octet-stream',))`: anything else is 415. */
function checkContentType(contentType: string | undefined): void {
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/octet-stream') {
    throw new GlanceHttpError(415, `Invalid content type ${mediaType ?? 'None'}`);
  }
}

function checkDeclaredValues(request: UploadRequest, size: number, checksum: string): void {
  if (request.contentLength !== null && request.contentLength !== size) {
    throw new GlanceHttpError(
      400,
      `Size of uploaded data (${size} bytes) does not match the declared Content-Length (${request.contentLength} bytes).`,
    );
  }
  if (request.contentMd5 !== undefined) {
    const declared = request.contentMd5.trim();
    const declaredHex = /^[0-9a-fA-F]{32}$/.test(declared)
      ? declared.toLowerCase()
      : Buffer.from(declared, 'base64').toString('hex');
    if (declaredHex !== checksum) {
      throw new GlanceHttpError(
        400,
        `Checksum of uploaded data (${checksum}) does not match the declared Content-MD5 (${declared}).`,
      );
    }
  }
}

function locationMetadata(
  store: StoreDriver,
  multiStore: boolean,
  stored: StoredImage,
): Record<string, unknown> {
  return multiStore ? { ...stored.metadata, store: store.id } : { ...stored.metadata };
}

/**
 * Glance HEAD refuses data whose format is unsafe or does not match disk_format with a 415 whose
 * second paragraph says why (webob's detail, under the request's media type).
 */
function inspectedVirtualSize(
  inspection: UploadFormatInspection,
  contentType: string | undefined,
): number | null {
  try {
    return inspection.virtualSize();
  } catch (error) {
    if (!(error instanceof InvalidImageDataError)) throw error;
    return unsupportedData(error, contentType);
  }
}

function unsupportedData(error: InvalidImageDataError, contentType: string | undefined): never {
  throw new GlanceHttpError(
    415,
    `The request media type ${contentType ?? 'None'} is not supported by this server.`,
    {},
    'generic',
    { webobDetail: error.message },
  );
}
