import { Inject, Injectable } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import {
  type HashJobRepository,
  type ImageLocation,
  type ImageRecord,
  type ImageRepository,
  SharedDataError,
} from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { GlanceHttpError } from '../http/glance-error';
import { StoreRegistry } from '@glance-ts/stores';
import { parseAddLocationBody } from './domain/location-request';
import { HashJobRunner } from './hash-job-runner';
import { imageNotFound } from './image-authorizer';
import { HASH_JOB_REPOSITORY, IMAGE_REPOSITORY } from './images.tokens';
import { LocationAdmission, sharedDataRefusal } from './location-admission';

/** What `GET /v2/images/{id}/locations` lists for each location. */
export interface LocationView {
  url: string;
  metadata: Record<string, unknown>;
}

/**
 * The location API (Glance 2024.2, which closed OSSN-0065 and OSSN-0090): a trusted caller (the
 * service role, as Nova and Cinder have) points a `queued` image at data that already sits in a
 * configured store, such as an RBD clone a volume service made; other callers may only name http
 * URLs (LocationAdmission). The data is checked to exist, its size read from the store and its
 * format inspected; the image is active when the call returns. Its checksum and os_hash_value are
 * computed in the background (`do_secure_hash`), and when the client declared a hash the image
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
    @Inject(LocationAdmission) private readonly admission: LocationAdmission,
  ) {}

  async add(image: ImageRecord, body: unknown, context: RequestContext): Promise<void> {
    const request = parseAddLocationBody(body, this.config.secureHash.algorithm);
    if (image.status !== 'queued') {
      throw new GlanceHttpError(409, `It's not allowed to add locations if image status is ${image.status}.`);
    }
    const { store, size, virtualSize } = await this.admission.admit(request.url, image, context);

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
    let updated: ImageRecord | null;
    try {
      updated = await this.images.transition(image.id, ['queued'], {
        core: { status: verify ? 'importing' : 'active', size, virtualSize, ...declared },
        locations: [location],
        refuseSharedData: !context.hasServiceRole,
      });
    } catch (error) {
      if (hashInBackground) await this.hashJobs.remove(image.id);
      if (error instanceof SharedDataError) throw sharedDataRefusal(error);
      throw error;
    }
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

  /** The active locations, the highest-weight store first (as Glance orders them). */
  list(image: ImageRecord): LocationView[] {
    return this.stores
      .sortByWeight(image.locations.filter((location) => location.status === 'active'))
      .map((location) => ({ url: location.url, metadata: location.metadata }));
  }
}
