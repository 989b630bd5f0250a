import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DuplicateImageError,
  type ImageRecord,
  type ImageRepository,
  MarkerNotFoundError,
} from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GlanceHttpError } from '../http/glance-error';
import { StoreError, StoreInUseError } from '../stores/drivers/store-data';
import { StoreRegistry } from '../stores/store-registry';
import { ImageRequestError } from './domain/image-errors';
import { applyImagePatch, type ImagePatchOperation } from './domain/image-patch';
import { parseCreateImageBody } from './domain/image-create';
import { buildListLinks, parseImageListQuery } from './domain/image-list-query';
import { imagesView, imageView } from './domain/image-view';
import { ImageAuthorizer, imageNotFound, imagePolicyTarget } from './image-authorizer';
import { IMAGE_REPOSITORY } from './images.tokens';

/** Image metadata operations (everything but the data), with Glance's rules and messages. */
@Injectable()
export class ImagesService {
  private readonly logger = new Logger(ImagesService.name);

  constructor(
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
    @Inject(ImageAuthorizer) private readonly authorizer: ImageAuthorizer,
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
  ) {}

  /** POST /v2/images: a queued image owned by the caller's project (or the owner an admin names). */
  async create(body: unknown, context: RequestContext): Promise<Record<string, unknown>> {
    const request = domain(() => parseCreateImageBody(body));
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
      return this.view(image);
    } catch (error) {
      if (error instanceof DuplicateImageError) throw new GlanceHttpError(409, error.message);
      throw error;
    }
  }

  /** GET /v2/images; `rawQuery` is the query string as sent (parsed the way webob parses it). */
  async list(rawQuery: string, context: RequestContext) {
    const parsed = domain(() => parseImageListQuery(rawQuery));
    if (parsed.unsupportedFilters.length > 0) {
      // Refused rather than ignored: a silently dropped filter would return the wrong images.
      throw new GlanceHttpError(
        400,
        `Filtering on ${parsed.unsupportedFilters.join(', ')} is not supported by glance-ts.`,
      );
    }
    let images: ImageRecord[];
    try {
      images = await this.images.list({
        ...parsed,
        scope: { isAdmin: context.isAdmin, projectId: context.projectId },
      });
    } catch (error) {
      if (error instanceof MarkerNotFoundError) throw new GlanceHttpError(400, error.message);
      throw error;
    }
    const last = images.at(-1);
    const links = buildListLinks(rawQuery, last && images.length === parsed.limit ? last.id : null);
    return imagesView(
      images.map((image) => this.view(image)),
      links,
    );
  }

  view(image: ImageRecord): Record<string, unknown> {
    return imageView(image, { multiStore: this.stores.multiStore });
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
    const patched = domain(() => applyImagePatch(image, operations, { isAdmin: context.isAdmin }));
    // Glance checks these whenever an operation sets the visibility, even to its current value.
    if (patched.changedKeys.includes('visibility')) {
      if (patched.core.visibility === 'public') this.authorizer.enforce('publicize_image', image, context);
      if (patched.core.visibility === 'community')
        this.authorizer.enforce('communitize_image', image, context);
    }
    if (patched.changedKeys.length === 0) return this.view(image);
    const updated = await this.images.update(image.id, {
      core: patched.core,
      properties: patched.properties,
      tags: patched.tags,
    });
    if (!updated) throw imageNotFound(image.id);
    return this.view(updated);
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
        throw deleteError(image.id, error);
      }
    }
    const removed = await this.images.delete(image.id);
    if (!removed) throw imageNotFound(image.id);
    for (const location of removed.locations) {
      const store = this.stores.storeForLocation(location.url);
      if (!store) continue;
      try {
        await store.delete(location.url);
      } catch (error) {
        // The record is gone; leftover data is logged for the operator rather than failing the call.
        this.logger.error(
          `image ${image.id}: could not delete data at ${location.url} in store ${store.id}: ${String(error)}`,
        );
      }
    }
  }

  async addTag(image: ImageRecord, tag: string): Promise<void> {
    // The tag rules (length, the tag quota) are the patch rules for /tags: one place checks them.
    domain(() => applyImagePatch(image, [{ op: 'add', path: ['tags'], value: [...image.tags, tag] }]));
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
export function domain<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ImageRequestError) {
      throw new GlanceHttpError(error.status, error.message, { ...error.headers });
    }
    throw error;
  }
}

/** Glance's answers when a store refuses to let go of an image's data. */
function deleteError(imageId: string, error: unknown): unknown {
  if (error instanceof StoreInUseError) {
    return new GlanceHttpError(
      409,
      `Image ${imageId} could not be deleted because it is in use: ${error.message}`,
    );
  }
  if (error instanceof StoreError) {
    return new GlanceHttpError(503, `Image ${imageId} cannot be deleted now: ${error.message}`);
  }
  return error;
}
