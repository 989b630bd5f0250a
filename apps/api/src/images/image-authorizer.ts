import { Inject, Injectable } from '@nestjs/common';
import { PolicyEnforcer } from '@glance-ts/policy';
import { type ImageCore, IMAGE_CORE_KEYS, type ImageRecord, type ImageRepository } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_MESSAGES, GlanceHttpError } from '../http/glance-error';
import { IMAGE_REPOSITORY } from './images.tokens';

/**
 * Who may see and do what with an image, as Glance decides it in two steps:
 * 1. visibility (the database layer's `is_image_visible`): an image the caller cannot see does not
 *    exist for them — 404 "No image found with ID <id>";
 * 2. the policy rule, checked against the image (`ImageTarget`: `project_id` is the owner). A denied
 *    rule is 403, unless `get_image` is denied too: then 404, so a denial never reveals an image.
 */
@Injectable()
export class ImageAuthorizer {
  constructor(
    @Inject(PolicyEnforcer) private readonly enforcer: PolicyEnforcer,
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
  ) {}

  /** The image, if the caller can see it; 404 otherwise. */
  async loadVisible(imageId: string, context: RequestContext): Promise<ImageRecord> {
    const image = await this.images.get(imageId);
    if (!image || !isImageVisible(image, context)) throw imageNotFound(imageId);
    return image;
  }

  /** Throws 403 (or 404, see above) when `rule` denies the caller on this image. */
  enforce(rule: string, image: ImageRecord, context: RequestContext): void {
    const target = imagePolicyTarget(image);
    if (this.enforcer.enforce(rule, target, context.credentials)) return;
    if (rule === 'get_image' || !this.enforcer.enforce('get_image', target, context.credentials)) {
      throw new GlanceHttpError(404, GLANCE_MESSAGES.notFound);
    }
    throw new GlanceHttpError(403, GLANCE_MESSAGES.forbiddenAction(rule));
  }

  /** A rule on an image that does not exist yet (creation): the target is what the body asks for. */
  enforceOnTarget(rule: string, target: Record<string, unknown>, context: RequestContext): void {
    if (!this.enforcer.enforce(rule, target, context.credentials)) {
      throw new GlanceHttpError(403, GLANCE_MESSAGES.forbiddenAction(rule));
    }
  }
}

export const imageNotFound = (imageId: string) =>
  new GlanceHttpError(404, `No image found with ID ${imageId}`);

/**
 * Glance's `is_image_visible`: admins see everything; others see their own images, public and
 * community ones. Shared images are visible to accepted members too — image members are not
 * implemented yet, so a shared image is visible to its owner only.
 */
export function isImageVisible(image: ImageRecord, context: RequestContext): boolean {
  if (context.isAdmin) return true;
  if (image.owner !== null && image.owner === context.projectId) return true;
  return image.visibility === 'public' || image.visibility === 'community';
}

/**
 * The policy target of an image (Glance's `ImageTarget`): core attributes by their API names, the
 * custom properties, and `project_id` = the owner. Also used for an image about to be created, from
 * what the request asks for. `member_id` would be the caller's project when it is an accepted
 * member; without members it is never set.
 */
export function imagePolicyTarget(
  image: Partial<ImageCore> & { id?: string; properties: Readonly<Record<string, string>> },
): Record<string, unknown> {
  const target: Record<string, unknown> = { ...image.properties };
  for (const key of IMAGE_CORE_KEYS) {
    if (image[key] !== undefined) target[apiName(key)] = image[key];
  }
  if (image.id !== undefined) target.id = image.id;
  target.project_id = image.owner ?? null;
  target.member_id = null;
  return target;
}

/** `osHashValue` → `os_hash_value`: the repository's camelCase to the API's names. */
const apiName = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
