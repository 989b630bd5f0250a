import { Inject, Injectable } from '@nestjs/common';
import { PolicyEnforcer } from '@glance-ts/policy';
import {
  type ImageCore,
  IMAGE_CORE_KEYS,
  type ImageMember,
  type ImageMemberRepository,
  type ImageRecord,
  type ImageRepository,
  type MemberStatus,
} from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_MESSAGES, GlanceHttpError } from '../http/glance-error';
import { IMAGE_MEMBER_REPOSITORY, IMAGE_REPOSITORY } from './images.tokens';

/**
 * Who may see and do what with an image, as Glance decides it in two steps:
 * 1. visibility (the database layer's `is_image_visible`): an image the caller cannot see does not
 *    exist for them — 404 "No image found with ID <id>";
 * 2. the policy rule, checked against the image (`ImageTarget`: `project_id` is the owner). A denied
 *    rule is 403, unless `get_image` is denied too: then 404, so a denial never reveals an image.
 */
@Injectable()
export class ImageAuthorizer {
  /** The caller's membership of the shared images findVisible let through as a member (policy targets). */
  private readonly memberships = new WeakMap<ImageRecord, ImageMember>();

  constructor(
    @Inject(PolicyEnforcer) private readonly enforcer: PolicyEnforcer,
    @Inject(IMAGE_REPOSITORY) private readonly images: ImageRepository,
    @Inject(IMAGE_MEMBER_REPOSITORY) private readonly members: ImageMemberRepository,
  ) {}

  /** The image, if the caller can see it; 404 otherwise. */
  async loadVisible(imageId: string, context: RequestContext): Promise<ImageRecord> {
    const image = await this.findVisible(imageId, context);
    if (!image) throw imageNotFound(imageId);
    return image;
  }

  /**
   * The image, if the caller can see it (Glance's `is_image_visible`): an admin, the owner, anyone
   * for public and community images, and a project that is a member of a shared image, whatever
   * its membership's status. Null otherwise.
   */
  async findVisible(imageId: string, context: RequestContext): Promise<ImageRecord | null> {
    const image = await this.images.get(imageId);
    if (!image) return null;
    if (isImageVisible(image, context)) return image;
    if (image.visibility !== 'shared' || context.projectId === null) return null;
    const membership = await this.members.get(image.id, context.projectId);
    if (!membership) return null;
    this.memberships.set(image, membership);
    return image;
  }

  /** Throws 403 (or 404, see above) when `rule` denies the caller on this image. */
  enforce(rule: string, image: ImageRecord, context: RequestContext): void {
    const target = this.target(image, context);
    if (this.enforcer.enforce(rule, target, context.credentials)) return;
    if (rule === 'get_image' || !this.enforcer.enforce('get_image', target, context.credentials)) {
      throw new GlanceHttpError(404, GLANCE_MESSAGES.notFound);
    }
    throw new GlanceHttpError(403, GLANCE_MESSAGES.forbiddenAction(rule));
  }

  /** The caller's own membership of an image findVisible let through as a member; none otherwise. */
  callerMembership(image: ImageRecord): ImageMember | undefined {
    return this.memberships.get(image);
  }

  /**
   * A member rule (Glance's MemberAPIPolicy): `get_image` first (404 when denied, as for any image
   * rule), then the rule itself, a plain 403.
   */
  enforceMemberRule(rule: string, image: ImageRecord, context: RequestContext): void {
    this.enforce('get_image', image, context);
    if (!this.enforcer.enforce(rule, this.target(image, context), context.credentials)) {
      throw new GlanceHttpError(403, GLANCE_MESSAGES.forbiddenAction(rule));
    }
  }

  /** enforceMemberRule as a yes or no (Glance's `check`). */
  allowsMemberRule(rule: string, image: ImageRecord, context: RequestContext): boolean {
    const target = this.target(image, context);
    return (
      this.enforcer.enforce('get_image', target, context.credentials) &&
      this.enforcer.enforce(rule, target, context.credentials)
    );
  }

  private target(image: ImageRecord, context: RequestContext): Record<string, unknown> {
    return imagePolicyTarget(image, context, this.memberships.get(image)?.status ?? null);
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
 * what the request asks for. `member_id` is the caller's project when the image is shared and the
 * caller is not its owner (Glance sets it so: whoever found a shared image they do not own found
 * it as a member), else None; `member_status` is that membership's status when known.
 */
export function imagePolicyTarget(
  image: Partial<ImageCore> & { id?: string; properties: Readonly<Record<string, string>> },
  context?: Pick<RequestContext, 'projectId'>,
  memberStatus: MemberStatus | null = null,
): Record<string, unknown> {
  const target: Record<string, unknown> = { ...image.properties };
  for (const key of IMAGE_CORE_KEYS) {
    if (image[key] !== undefined) target[apiName(key)] = image[key];
  }
  if (image.id !== undefined) target.id = image.id;
  target.project_id = image.owner ?? null;
  const asMember =
    context !== undefined && image.visibility === 'shared' && context.projectId !== (image.owner ?? null);
  target.member_id = asMember ? context.projectId : null;
  target.member_status = asMember ? memberStatus : null;
  return target;
}

/** `osHashValue` → `os_hash_value`: the repository's camelCase to the API's names. */
const apiName = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
