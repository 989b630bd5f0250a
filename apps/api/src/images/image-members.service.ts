import { Inject, Injectable } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import type { ImageMember, ImageMemberRepository, ImageRecord } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { GlanceHttpError } from '../http/glance-error';
import { checkMemberStatus, parseAddMemberBody, parseMemberStatusBody } from './domain/image-members';
import { ImageAuthorizer } from './image-authorizer';
import { IMAGE_MEMBER_REPOSITORY } from './images.tokens';

/**
 * Image sharing, as Glance's ImageMembersController: checks in its order (the body, the image the
 * caller can see, "only shared images have members", the policy rules with the image as target,
 * the membership), and its answers, which differ per route (a refused show is a 404, a refused
 * update a 403). Who sees which memberships is Glance's: the owner (and an admin) all of them, a
 * member only its own.
 */
@Injectable()
export class ImageMembersService {
  constructor(
    @Inject(ImageAuthorizer) private readonly authorizer: ImageAuthorizer,
    @Inject(IMAGE_MEMBER_REPOSITORY) private readonly members: ImageMemberRepository,
    @Inject(GLANCE_CONFIG) private readonly config: GlanceConfig,
  ) {}

  async list(imageId: string, context: RequestContext): Promise<ImageMember[]> {
    const image = await this.image(imageId, context);
    if (image.visibility !== 'shared') {
      throw new GlanceHttpError(
        403,
        `Not allowed to list members for image ${image.id}: Only shared images have members.`,
      );
    }
    this.authorizer.enforceMemberRule('get_members', image, context);
    // Glance then keeps the members get_member allows: one target, so all of them or none.
    if (!this.authorizer.allowsMemberRule('get_member', image, context)) return [];
    if (this.seesAllMembers(image, context)) return this.members.list(image.id);
    return context.projectId === null ? [] : this.members.list(image.id, context.projectId);
  }

  async get(imageId: string, memberId: string, context: RequestContext): Promise<ImageMember> {
    const image = await this.image(imageId, context);
    // Glance turns every refusal here into a 404, so that a show reveals nothing.
    if (image.visibility !== 'shared') throw new GlanceHttpError(404, 'Only shared images have members.');
    try {
      this.authorizer.enforceMemberRule('get_member', image, context);
    } catch (error) {
      if (error instanceof GlanceHttpError && error.status === 403)
        throw new GlanceHttpError(404, error.message);
      throw error;
    }
    return this.member(image, memberId, context);
  }

  async add(imageId: string, body: unknown, context: RequestContext): Promise<ImageMember> {
    const memberId = parseAddMemberBody(body);
    const image = await this.image(imageId, context);
    if (image.visibility !== 'shared') {
      throw new GlanceHttpError(403, `Not allowed to create members for image ${image.id}.`);
    }
    this.authorizer.enforceMemberRule('add_member', image, context);
    const added = await this.members.add(image.id, memberId, this.config.imageMemberQuota);
    if (!added) throw imageGone(image.id);
    return added;
  }

  async setStatus(
    imageId: string,
    memberId: string,
    body: unknown,
    context: RequestContext,
  ): Promise<ImageMember> {
    const requested = parseMemberStatusBody(body);
    const image = await this.image(imageId, context);
    if (image.visibility !== 'shared') {
      throw new GlanceHttpError(403, `Not allowed to update members for image ${image.id}.`);
    }
    this.authorizer.enforceMemberRule('get_member', image, context);
    await this.member(image, memberId, context);
    this.authorizer.enforceMemberRule('modify_member', image, context);
    const status = checkMemberStatus(requested);
    const updated = await this.members.setStatus(image.id, memberId, status);
    if (!updated) throw memberNotFound(image.id, memberId);
    return updated;
  }

  async remove(imageId: string, memberId: string, context: RequestContext): Promise<void> {
    const image = await this.image(imageId, context);
    if (image.visibility !== 'shared') {
      throw new GlanceHttpError(403, `Not allowed to delete members for image ${image.id}.`);
    }
    this.authorizer.enforceMemberRule('get_member', image, context);
    await this.member(image, memberId, context);
    this.authorizer.enforceMemberRule('delete_member', image, context);
    if (!(await this.members.remove(image.id, memberId))) throw memberNotFound(image.id, memberId);
  }

  /** The image, if the caller can see it (a member in any status can); Glance's members 404 otherwise. */
  private async image(imageId: string, context: RequestContext): Promise<ImageRecord> {
    const image = await this.authorizer.findVisible(imageId, context);
    if (!image) throw imageGone(imageId);
    return image;
  }

  /** Glance's member repository shows the owner's project (and an admin) every member, others their own. */
  private seesAllMembers(image: ImageRecord, context: RequestContext): boolean {
    return context.isAdmin || (image.owner !== null && image.owner === context.projectId);
  }

  private async member(image: ImageRecord, memberId: string, context: RequestContext): Promise<ImageMember> {
    const own = memberId === context.projectId;
    // A member's own row was read to let it see the image: not again.
    const known = own ? this.authorizer.callerMembership(image) : undefined;
    const visible = own || this.seesAllMembers(image, context);
    const member = known ?? (visible ? await this.members.get(image.id, memberId) : null);
    if (!member) throw memberNotFound(image.id, memberId);
    return member;
  }
}

const imageGone = (imageId: string) => new GlanceHttpError(404, `Image ${imageId} not found.`);

const memberNotFound = (imageId: string, memberId: string) =>
  new GlanceHttpError(404, `${memberId} not found in the member list of the image ${imageId}.`);
