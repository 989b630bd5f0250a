import { Inject, Injectable } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import type { HashJobRepository, ImageLocation, ImageRecord, ImageRepository } from '@glance-ts/db';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { GlanceHttpError } from '../http/glance-error';
import type { StoreDriver } from '../stores/drivers';
import {
  StoreBadLocationError,
  StoreError,
  StoreNotFoundError,
  StoreUnavailableError,
} from '../stores/drivers/store-data';
import { StoreRegistry } from '../stores/store-registry';
import { parseAddLocationBody } from './domain/location-request';
import { HashJobRunner } from './hash-job-runner';
import { imageNotFound } from './image-authorizer';
import { domain } from './images.service';
import { HASH_JOB_REPOSITORY, IMAGE_REPOSITORY } from './images.tokens';

/** What `GET /v2/images/{id}/locations` lists for each location. */
export interface LocationView {
  url: string;
  metadata: Record<string, unknown>;
}

/**
 * The location API (Glance 2024.2, which closed OSSN-0065 and OSSN-0090): a trusted caller (the
 * service role, or the owner) points a `queued` image at data that already sits in a configured
 * store, such as an RBD clone a volume service made. The data is checked to exist and its size is
 * read from the store; the image is active when the call returns. Its checksum and os_hash_value
 * are computed in the background (`do_secure_hash`), and when the client declared a hash the image
 * stays `importing` until the data is proven to match it.
 */
@Injectable()
export class ImageLocationsService {
  constructor(
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
    @Inject(HASH_JOB_REPOSITORY) private readonly hashJobs: HashJobRepository,
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
    @Inject(GLANCE_CONFIG) private readonly config: GlanceConfig,
    @Inject(HashJobRunner) private readonly runner: HashJobRunner,
  ) {}

  async add(image: ImageRecord, body: unknown): Promise<void> {
    const request = domain(() => parseAddLocationBody(body, this.config.secureHash.algorithm));
    if (image.status !== 'queued') {
      throw new GlanceHttpError(409, `It's not allowed to add locations if image status is ${image.status}.`);
    }
    const store = this.storeFor(request.url);
    let size: number;
    try {
      ({ size } = await store.inspectLocation(request.url));
    } catch (error) {
      throw locationError(request.url, error);
    }
    if (size > this.config.imageSizeCap) {
      throw new GlanceHttpError(
        413,
        `Image data at ${request.url} (${size} bytes) exceeds the image size cap (${this.config.imageSizeCap} bytes).`,
      );
    }

    const hashInBackground = this.config.secureHash.enabled;
    const verify = hashInBackground && request.validationData !== null;
    // The job goes in first: if the process dies before the image is updated, the runner finds a
    // job for a queued image and drops it; the other order could leave an image never hashed.
    if (hashInBackground) {
      await this.hashJobs.enqueue({
        imageId: image.id,
        locationUrl: request.url,
        expectedHash: request.validationData?.osHashValue ?? null,
      });
    }
    const location: ImageLocation = {
      url: request.url,
      metadata: this.stores.multiStore ? { store: store.id } : {},
      status: 'active',
    };
    const declared =
      !hashInBackground && request.validationData
        ? { osHashAlgo: request.validationData.osHashAlgo, osHashValue: request.validationData.osHashValue }
        : {};
    const updated = await this.images.transition(image.id, ['queued'], {
      core: { status: verify ? 'importing' : 'active', size, ...declared },
      locations: [location],
    });
    if (!updated) {
      if (hashInBackground) await this.hashJobs.remove(image.id);
      const current = await this.images.get(image.id);
      if (!current) throw imageNotFound(image.id);
      throw new GlanceHttpError(
        409,
        `It's not allowed to add locations if image status is ${current.status}.`,
      );
    }
    if (hashInBackground) this.runner.wake();
  }

  list(image: ImageRecord): LocationView[] {
    return image.locations
      .filter((location) => location.status === 'active')
      .map((location) => ({ url: location.url, metadata: location.metadata }));
  }

  /** The store that can hold `url`; a 400 saying why when none can. */
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
    throw new GlanceHttpError(400, `Invalid location ${url}: ${reason}.`);
  }
}

function describeStore(store: StoreDriver): string {
  const properties = store.properties() as Record<string, unknown>;
  if (store.type === 'rbd')
    return `${store.id} (cluster ${properties.fsid ?? 'not reached yet'}, pool ${properties.pool})`;
  if (store.type === 'file') return `${store.id} (${properties.data_dir})`;
  return store.id;
}

/** Store answers about a client's location as Glance's: the client's mistake is 400, an outage 503. */
function locationError(url: string, error: unknown): unknown {
  if (error instanceof StoreBadLocationError) return new GlanceHttpError(400, error.message);
  if (error instanceof StoreNotFoundError)
    return new GlanceHttpError(400, `Invalid location ${url}: no data there.`);
  if (error instanceof StoreUnavailableError || error instanceof StoreError) {
    return new GlanceHttpError(503, `Cannot check location ${url} now: ${error.message}`);
  }
  return error;
}
