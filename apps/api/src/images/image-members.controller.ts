import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorDto, MEMBER_SCHEMA, MEMBER_STATUS_VALUES, MEMBERS_SCHEMA } from '@glance-ts/contracts';
import type { RequestContext } from '../auth/request-context';
import { RequestPolicy } from '../access/access.decorators';
import { JsonBody } from '../http/body-parsers';
import { pythonJsonBody } from '../http/json-body';
import { memberView, membersView } from './domain/image-members';
import { ImageMembersService } from './image-members.service';
import { RequestCtx } from './image-params';

/**
 * `/v2/images/{id}/members`: sharing an image with other projects. Only `shared` images have
 * members; the owner adds and removes them, a member accepts or rejects. Each handler checks its
 * rule itself (Glance checks "only shared images" before the rule, and answers differently per
 * route), through ImageAuthorizer.
 */
@ApiTags('Image members')
@Controller('v2/images/:image_id/members')
@ApiParam({ name: 'image_id', description: 'The image id (a UUID).' })
@ApiNotFoundResponse({ description: 'No image with this id, or one the caller cannot see.', type: ErrorDto })
export class ImageMembersController {
  constructor(@Inject(ImageMembersService) private readonly members: ImageMembersService) {}

  @Get()
  @Header('Content-Type', 'application/json')
  @RequestPolicy('get_members')
  @ApiOperation({
    operationId: 'listImageMembers',
    summary: "List an image's members",
    description:
      'The owner (and an admin) sees every member, a member only its own membership. Policies `get_members`, then `get_member`.',
  })
  @ApiOkResponse({ description: 'The members, in the order they were added.', schema: MEMBERS_SCHEMA })
  @ApiForbiddenResponse({
    description: 'Not a shared image, or `get_members` denies the caller.',
    type: ErrorDto,
  })
  async list(@Param('image_id') imageId: string, @RequestCtx() context: RequestContext): Promise<Buffer> {
    return pythonJsonBody(membersView(await this.members.list(imageId, context)));
  }

  @Post()
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  @RequestPolicy('add_member')
  @ApiOperation({
    operationId: 'addImageMember',
    summary: 'Share an image with a project',
    description:
      "Adds the project as a `pending` member of a shared image (policy `add_member`: the owner's members, or an admin). At most `image_member_quota` members.",
  })
  @ApiBody({ schema: { type: 'object', properties: { member: { type: 'string' } }, required: ['member'] } })
  @ApiOkResponse({ description: 'The new member (200, as Glance).', schema: MEMBER_SCHEMA })
  @ApiBadRequestResponse({ description: 'No body, or no member in it.', type: ErrorDto })
  @ApiForbiddenResponse({
    description: 'Not a shared image, or `add_member` denies the caller.',
    type: ErrorDto,
  })
  @ApiConflictResponse({ description: 'The project is a member already.', type: ErrorDto })
  @ApiResponse({ status: 413, description: 'The image has `image_member_quota` members.', type: ErrorDto })
  async add(
    @Param('image_id') imageId: string,
    @JsonBody() body: unknown,
    @RequestCtx() context: RequestContext,
  ): Promise<Buffer> {
    return pythonJsonBody(memberView(await this.members.add(imageId, body, context)));
  }

  @Get(':member_id')
  @Header('Content-Type', 'application/json')
  @RequestPolicy('get_member')
  @ApiOperation({
    operationId: 'getImageMember',
    summary: 'Show a membership',
    description: 'Every refusal is a 404, as Glance: a show reveals nothing.',
  })
  @ApiParam({ name: 'member_id', description: 'The member project id.' })
  @ApiOkResponse({ description: 'The member.', schema: MEMBER_SCHEMA })
  async get(
    @Param('image_id') imageId: string,
    @Param('member_id') memberId: string,
    @RequestCtx() context: RequestContext,
  ): Promise<Buffer> {
    return pythonJsonBody(memberView(await this.members.get(imageId, memberId, context)));
  }

  @Put(':member_id')
  @Header('Content-Type', 'application/json')
  @RequestPolicy('modify_member')
  @ApiOperation({
    operationId: 'updateImageMember',
    summary: 'Accept or reject a shared image',
    description:
      'The member sets its status: `pending`, `accepted` (the image is then listed for it) or `rejected`. Policy `modify_member`: the member project (or an admin), not the owner.',
  })
  @ApiParam({ name: 'member_id', description: 'The member project id.' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: { status: { enum: [...MEMBER_STATUS_VALUES] } },
      required: ['status'],
    },
  })
  @ApiOkResponse({ description: 'The member.', schema: MEMBER_SCHEMA })
  @ApiBadRequestResponse({ description: 'No status, or not one of the three.', type: ErrorDto })
  @ApiForbiddenResponse({
    description: 'Not a shared image, or `modify_member` denies the caller.',
    type: ErrorDto,
  })
  async update(
    @Param('image_id') imageId: string,
    @Param('member_id') memberId: string,
    @JsonBody() body: unknown,
    @RequestCtx() context: RequestContext,
  ): Promise<Buffer> {
    return pythonJsonBody(memberView(await this.members.setStatus(imageId, memberId, body, context)));
  }

  @Delete(':member_id')
  @HttpCode(204)
  @RequestPolicy('delete_member')
  @ApiOperation({
    operationId: 'deleteImageMember',
    summary: 'Stop sharing an image with a project',
    description: "Policy `delete_member`: the owner's members, or an admin.",
  })
  @ApiParam({ name: 'member_id', description: 'The member project id.' })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiForbiddenResponse({
    description: 'Not a shared image, or `delete_member` denies the caller.',
    type: ErrorDto,
  })
  async remove(
    @Param('image_id') imageId: string,
    @Param('member_id') memberId: string,
    @RequestCtx() context: RequestContext,
  ): Promise<void> {
    await this.members.remove(imageId, memberId, context);
  }
}
