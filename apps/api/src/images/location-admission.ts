import { Inject, Injectable } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import type { ImageRecord, SharedDataError } from '@glance-ts/db';
import { InvalidImageDataError } from '@glance-ts/image-format';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { GlanceHttpError } from '../http/glance-error';
import { type StoreDriver, StoreError, StoreRegistry } from '@glance-ts/stores';
import { ImageOperationError, INVALID_LOCATION } from './image-error-answers';
import { inspectLocationData } from './image-format-inspection';
import { isAllowedImportUri } from './import-uri-filter';

/** A location a caller may give an image, with what its store says about the data. */
export interface AdmittedLocation {
  url: string;
  store: StoreDriver;
  size: number;
  /** From the data's format (null when Glance would record none). */
  virtualSize: number | null;
}

/** Glance's refusal of a non-http location for a caller without the service role. */
export const HTTP_ONLY_FOR_NORMAL_USERS = 'http store must be enabled to use location API by normal user.';

/**
 * Decides whether a caller may point an image at the data a URL names, for the location API and
 * for JSON patch on `/locations` alike:
 * 1. Glance HEAD's rule (OSSN-0065): without the service role (in the user's or the service token's
 *    roles) only http URLs, and only when an http store is configured; admin is no exception.
 * 2. Such an http URL passes Glance's web-download filter (`[import_filtering_opts]`); the http store
 *    then reaches public addresses only (http-address-guard.ts), at every connection.
 * 3. A store must own the URL and find data there; its size must fit `image_size_cap`; its format
 *    must be safe and match the image's disk_format (virtual size).
 * A caller without the service role gets one 400 for every refusal of 2 and 3, so the answer does
 * not tell whether a host answered (no port scanning through the API); the reason goes to the log
 * and to callers who may read store details.
 */
@Injectable()
export class LocationAdmission {
  constructor(
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
    @Inject(GLANCE_CONFIG) private readonly config: GlanceConfig,
  ) {}

  async admit(url: string, image: ImageRecord, context: RequestContext): Promise<AdmittedLocation> {
    const trusted = context.hasServiceRole;
    if (!trusted) {
      if (!url.startsWith('http') || !this.stores.hasHttpStore) {
        throw new GlanceHttpError(403, HTTP_ONLY_FOR_NORMAL_USERS);
      }
      if (!(await isAllowedImportUri(url, this.config.importFiltering))) {
        throw refusal(url, 'the URL is not allowed by [import_filtering_opts]');
      }
    }
    const store = this.storeFor(url);
    let size: number;
    try {
      ({ size } = await store.inspectLocation(url));
    } catch (error) {
      throw this.answerTo(trusted, url, error);
    }
    if (size > this.config.imageSizeCap) {
      throw GlanceHttpError.forOperators(
        413,
        `The image data at the location (${size} bytes) exceeds the image size cap (${this.config.imageSizeCap} bytes).`,
        `Image data at ${url} (${size} bytes) exceeds the image size cap (${this.config.imageSizeCap} bytes).`,
      );
    }
    let virtualSize: number | null;
    try {
      virtualSize = await inspectLocationData(store, url, size, image, this.config.imageFormat);
    } catch (error) {
      if (error instanceof InvalidImageDataError) {
        throw GlanceHttpError.forOperators(400, error.message, `${error.message} (${url})`);
      }
      throw this.answerTo(trusted, url, error);
    }
    return { url, store, size, virtualSize };
  }

  /** What a caller hears of a store's failure on its location (see the class comment). */
  private answerTo(trusted: boolean, url: string, error: unknown): unknown {
    if (trusted) return new ImageOperationError({ kind: 'add-location', url }, error);
    return error instanceof StoreError ? refusal(url, error.message) : error;
  }

  /** The store that owns `url`; a 400 otherwise (why, naming the stores, for operators only). */
  private storeFor(url: string): StoreDriver {
    const owner = this.stores.storeForLocation(url);
    if (owner) return owner;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    const sameScheme = this.stores.dataStores.filter((store) =>
      scheme === 'https' ? store.type === 'http' : store.type === scheme,
    );
    const reason =
      sameScheme.length > 0
        ? `it is not in store ${sameScheme.map((store) => describeStore(store)).join(' or ')}`
        : `no configured store reads ${scheme ?? 'this kind of'} URLs`;
    throw refusal(url, reason);
  }
}

/** A caller without the service role tried to give an image another image's data. */
export const sharedDataRefusal = (error: SharedDataError) =>
  GlanceHttpError.forOperators(
    409,
    "The location's data belongs to another image.",
    `The location's data ${error.url} belongs to image ${error.otherImageId}.`,
  );

/** The one answer to a refused location; the reason only for the log and operators. */
function refusal(url: string, reason: string): GlanceHttpError {
  return GlanceHttpError.forOperators(400, INVALID_LOCATION, `Invalid location ${url}: ${reason}.`);
}

function describeStore(store: StoreDriver): string {
  const properties = store.properties() as Record<string, unknown>;
  if (store.type === 'rbd')
    return `${store.id} (cluster ${properties.fsid ?? 'not reached yet'}, pool ${properties.pool})`;
  if (store.type === 'file') return `${store.id} (${properties.data_dir})`;
  return store.id;
}
