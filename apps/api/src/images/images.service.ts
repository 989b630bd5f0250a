import type { Image } from '@glance-ts/contracts';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import {
  DuplicateImageError,
  type HashJobRepository,
  type ImageCore,
  type ImageLocation,
  type ImageRecord,
  type ImageRepository,
  MarkerNotFoundError,
  type ReleasedLocation,
  SharedDataError,
} from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { GlanceHttpError } from '../http/glance-error';
import { StoreRegistry } from '@glance-ts/stores';
import { ImageOperationError } from './image-error-answers';
import { applyImagePatch, type ImagePatchOperation } from './domain/image-patch';
import { parseCreateImageBody } from './domain/image-create';
import { buildListLinks, parseImageListQuery } from './domain/image-list-query';
import { imagesView, imageView } from './domain/image-view';
import type { LocationPatchResult } from './domain/location-patch';
import { HashJobRunner } from './hash-job-runner';
import { ImageAuthorizer, imageNotFound, imagePolicyTarget } from './image-authorizer';
import { HASH_JOB_REPOSITORY, IMAGE_REPOSITORY } from './images.tokens';
import { type AdmittedLocation, LocationAdmission, sharedDataRefusal } from './location-admission';

/** Image metadata operations (everything but the data), with Glance's rules and messages. */
@Injectable()
export class ImagesService {
  private readonly logger = new Logger(ImagesService.name);

  constructor(
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
    @Inject(ImageAuthorizer) private readonly authorizer: ImageAuthorizer,
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
    @Inject(GLANCE_CONFIG) private readonly config: GlanceConfig,
    @Inject(LocationAdmission) private readonly admission: LocationAdmission,
    @Inject(HASH_JOB_REPOSITORY) private readonly hashJobs: HashJobRepository,
    @Inject(HashJobRunner) private readonly runner: HashJobRunner,
  ) {}

  /** POST /v2/images: a queued image owned by the caller's project (or the owner an admin names). */
  async create(body: unknown, context: RequestContext): Promise<Record<string, unknown>> {
    const request = parseCreateImageBody(body);
    const owner = request.core.owner !== undefined ? request.core.owner : context.projectId;
    const visibility = request.core.visibility ?? 'shared';
    // Glance's target for add_image is the new image: project_id and owner are its owner.
    const target = imagePolicyTarget({ ...request.core, owner, visibility, properties: request.properties });
    this.authorizer.enforceOnTarget('add_image', target, context);
    if (visibility === 'public') this.authorizer.enforceOnTarget('publicize_image', target, context);
    if (visibility === 'community') this.authorizer.enforceOnTarget('communitize_image', target, context);

    try {
      const image = await this.images.create({
        ...request.core,
        id: request.id ?? randomUUID(),
        owner,
        visibility,
        status: 'queued',
        properties: request.properties,
        tags: request.tags,
      });
      return this.view(image, context);
    } catch (error) {
      if (error instanceof DuplicateImageError) throw new GlanceHttpError(409, error.message);
      throw error;
    }
  }

  /** GET /v2/images; `rawQuery` is the query string as sent (parsed the way webob parses it). */
  async list(rawQuery: string, context: RequestContext) {
    const parsed = parseImageListQuery(rawQuery);
    if (parsed.unsupportedFilters.length > 0) {
      // Refused rather than ignored: a silently dropped filter would return the wrong images.
      throw new GlanceHttpError(
        400,
        `Filtering on ${parsed.unsupportedFilters.join(', ')} is not supported by glance-ts.`,
      );
    }
    let images: ImageRecord[];
    try {
      const { memberStatus, ...query } = parsed;
      images = await this.images.list({
        ...query,
        filters: { ...query.filters, memberStatus },
        scope: { isAdmin: context.isAdmin, projectId: context.projectId },
      });
    } catch (error) {
      if (error instanceof MarkerNotFoundError) throw new GlanceHttpError(400, error.message);
      throw error;
    }
    const last = images.at(-1);
    const links = buildListLinks(rawQuery, last && images.length === parsed.limit ? last.id : null);
    return imagesView(
      images.map((image) => this.view(image, context)),
      links,
    );
  }

  view(image: ImageRecord, context: RequestContext): Image {
    const { showDirectUrl, showMultiple } = this.config.locations;
    return imageView(image, {
      multiStore: this.stores.multiStore,
      locations: { list: this.visibleLocations(image, context), showAll: showMultiple, showDirectUrl },
    });
  }

  /**
   * The active locations in Glance's order (highest store weight first); none of a deactivated
   * image for a caller who is not admin, as Glance's database layer hides them.
   */
  private visibleLocations(image: ImageRecord, context: RequestContext): ImageLocation[] {
    if (image.status === 'deactivated' && !context.isAdmin) return [];
    return this.stores.sortByWeight(image.locations.filter((location) => location.status === 'active'));
  }

  /**
   * PATCH: applies the operations to the image as loaded by the guard (which checked modify_image),
   * checks the visibility rules the change needs, validates the result and saves it.
   */
  async update(
    image: ImageRecord,
    operations: readonly ImagePatchOperation[],
    context: RequestContext,
  ): Promise<Record<string, unknown>> {
    const sorted = { ...image, locations: this.visibleLocations(image, context) };
    const patched = applyImagePatch(sorted, operations, {
      isAdmin: context.isAdmin,
      locations: this.config.locations.showMultiple
        ? { hashingAlgorithm: this.config.secureHash.algorithm }
        : undefined,
    });
    // Glance checks these whenever an operation sets the visibility, even to its current value.
    if (patched.changedKeys.includes('visibility')) {
      if (patched.core.visibility === 'public') this.authorizer.enforce('publicize_image', image, context);
      if (patched.core.visibility === 'community')
        this.authorizer.enforce('communitize_image', image, context);
    }
    if (patched.changedKeys.length === 0) return this.view(image, context);
    if (!patched.locations) {
      const updated = await this.images.update(image.id, {
        core: patched.core,
        properties: patched.properties,
        tags: patched.tags,
      });
      if (!updated) throw imageNotFound(image.id);
      return this.view(updated, context);
    }
    return this.view(await this.updateWithLocations(image, patched, patched.locations, context), context);
  }

  /**
   * A patch that changes `/locations` (show_multiple_locations): Glance's policies for location
   * changes, then each new location through the same admission as the location API (the service
   * role for anything but http, which is stricter than Glance's patch path), then one
   * compare-and-set save; data of removed locations is deleted afterwards unless another image (or
   * a kept location) still uses it.
   */
  private async updateWithLocations(
    image: ImageRecord,
    patched: { core: Partial<ImageCore>; properties: Record<string, string>; tags: string[] },
    change: LocationPatchResult,
    context: RequestContext,
  ): Promise<ImageRecord> {
    if (change.added.length > 0 || change.activate)
      this.authorizer.enforce('set_image_location', image, context);
    if (change.removed.length > 0) this.authorizer.enforce('delete_image_location', image, context);
    const admitted: AdmittedLocation[] = [];
    for (const location of change.added)
      admitted.push(await this.admission.admit(location.url, image, context));
    for (const location of change.removed) {
      try {
        await this.stores.storeForLocation(location.url)?.assertDeletable(location.url);
      } catch (error) {
        throw new ImageOperationError({ kind: 'delete', imageId: image.id }, error);
      }
    }
    const core: Partial<ImageCore> = { ...patched.core };
    if (image.size === null && admitted.length > 0) core.size = admitted[0].size;
    const virtualSize = admitted.find((location) => location.virtualSize !== null)?.virtualSize;
    if (image.virtualSize === null && virtualSize !== undefined) core.virtualSize = virtualSize;
    const declared = change.validation;
    if (change.activate) {
      core.status = 'active';
      if (declared.checksum !== undefined) core.checksum = declared.checksum;
      if (declared.os_hash_algo !== undefined) core.osHashAlgo = declared.os_hash_algo;
      if (declared.os_hash_value !== undefined) core.osHashValue = declared.os_hash_value;
    }
    const locations: ImageLocation[] = change.locations.map((location) => {
      const store =
        admitted.find((entry) => entry.url === location.url)?.store ??
        this.stores.storeForLocation(location.url);
      // Glance records the store a URL belongs to (get_updated_store_location).
      const metadata =
        this.stores.multiStore && store ? { ...location.metadata, store: store.id } : location.metadata;
      return { url: location.url, metadata, status: 'active' };
    });
    // Hashed in the background like the location API's data, unless the client declared the values.
    const hashFrom =
      change.activate && declared.os_hash_value === undefined && this.config.secureHash.enabled
        ? locations[0]
        : null;
    if (hashFrom)
      await this.hashJobs.enqueue({ imageId: image.id, locationUrl: hashFrom.url, expectedHash: null });
    let updated;
    try {
      updated = await this.images.transition(image.id, [image.status], {
        core,
        properties: patched.properties,
        tags: patched.tags,
        locations,
        refuseSharedData: !context.hasServiceRole,
      });
    } catch (error) {
      if (hashFrom) await this.hashJobs.remove(image.id);
      if (error instanceof SharedDataError) throw sharedDataRefusal(error);
      throw error;
    }
    if (!updated) {
      if (hashFrom) await this.hashJobs.remove(image.id);
      const current = await this.images.get(image.id);
      if (!current) throw imageNotFound(image.id);
      throw new GlanceHttpError(409, `Image ${image.id} was changed concurrently.`);
    }
    if (hashFrom) this.runner.wake();
    await this.deleteReleasedData(image.id, updated.released);
    return updated;
  }

  /**
   * DELETE: refused for protected images, and (409, nothing changed) when a store says the data is
   * in use, such as an rbd snapshot with clones. Then the record goes, then the data: nothing can
   * point to data that is being removed.
   */
  async delete(image: ImageRecord): Promise<void> {
    if (image.protected) {
      throw new GlanceHttpError(403, `Image ${image.id} is protected and cannot be deleted.`);
    }
    for (const location of image.locations) {
      try {
        await this.stores.storeForLocation(location.url)?.assertDeletable(location.url);
      } catch (error) {
        throw new ImageOperationError({ kind: 'delete', imageId: image.id }, error);
      }
    }
    const removed = await this.images.delete(image.id);
    if (!removed) throw imageNotFound(image.id);
    await this.deleteReleasedData(image.id, removed.released);
  }

  /**
   * Removes the data of locations an image let go of, except data another image still has a
   * location on (decided in the same transaction as the change): whoever registered a location on
   * another image's data, deleting one image never takes the other's data (OSSN-0065).
   */
  private async deleteReleasedData(imageId: string, released: readonly ReleasedLocation[]): Promise<void> {
    for (const location of released) {
      const store = this.stores.storeForLocation(location.url);
      if (!store) continue;
      if (location.shared) {
        this.logger.log(`image ${imageId}: kept the data at ${location.url}, another image uses it`);
        continue;
      }
      try {
        await store.delete(location.url);
      } catch (error) {
        // The record is gone; leftover data is logged for the operator rather than failing the call.
        this.logger.error(
          `image ${imageId}: could not delete data at ${location.url} in store ${store.id}: ${String(error)}`,
        );
      }
    }
  }

  async addTag(image: ImageRecord, tag: string): Promise<void> {
    // The tag rules (length, the tag quota) are the patch rules for /tags: one place checks them.
    applyImagePatch(image, [{ op: 'add', path: ['tags'], value: [...image.tags, tag] }]);
    if (!(await this.images.addTag(image.id, tag))) throw imageNotFound(image.id);
  }

  async removeTag(image: ImageRecord, tag: string): Promise<void> {
    if (!(await this.images.removeTag(image.id, tag))) {
      throw new GlanceHttpError(404, `Tag ${tag} not found`);
    }
  }

  /** Glance: active → deactivated; deactivating a deactivated image is a no-op; anything else 403. */
  async deactivate(image: ImageRecord): Promise<void> {
    if (image.status === 'deactivated') return;
    const updated = await this.images.transition(image.id, ['active'], { core: { status: 'deactivated' } });
    if (!updated) await this.refuseTransition(image.id, 'deactivate', 'deactivated');
  }

  async reactivate(image: ImageRecord): Promise<void> {
    if (image.status === 'active') return;
    const updated = await this.images.transition(image.id, ['deactivated'], { core: { status: 'active' } });
    if (!updated) await this.refuseTransition(image.id, 'reactivate', 'active');
  }

  private async refuseTransition(imageId: string, action: string, target: string): Promise<never> {
    const current = await this.images.get(imageId);
    if (!current) throw imageNotFound(imageId);
    if (current.status === target)
      throw new GlanceHttpError(409, `Image ${imageId} was changed concurrently.`);
    throw new GlanceHttpError(403, `Not allowed to ${action} image in status '${current.status}'`);
  }
}

/** Runs domain parsing, turning its errors into HTTP errors with Glance's status and text. */
