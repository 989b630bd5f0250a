import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorDto } from '@glance-ts/contracts';
import type { ImageRecord } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { jsonBody, JsonBody } from '../http/body-parsers';
import { GlanceHttpError } from '../http/glance-error';
import { pythonJsonBody } from '../http/json-body';
import { ImagePolicy, OwnProjectPolicy, RequestPolicy } from '../access/access.decorators';
import { isImagePatchMediaType, parseImagePatch } from './domain/image-patch';
import { ImagesService } from './images.service';
import { GuardedImage, RequestCtx } from './image-params';

const IMAGE_ID = ApiParam({ name: 'image_id', description: 'The image id (a UUID).' });
const NOT_FOUND = ApiNotFoundResponse({
  description: 'No image with this id, or one the caller cannot see.',
  type: ErrorDto,
});
const IMAGE_BODY = { schema: { $ref: '#/components/schemas/Image' } };

/** Glance's image metadata API: `/v2/images`, tags and the deactivate/reactivate actions. */
@ApiTags('Images')
@Controller('v2/images')
export class ImagesController {
  constructor(@Inject(ImagesService) private readonly images: ImagesService) {}

  @Post()
  @HttpCode(201)
  @Header('Content-Type', 'application/json')
  @RequestPolicy('add_image')
  @ApiOperation({
    operationId: 'createImage',
    summary: 'Create an image',
    description:
      "A `queued` image record owned by the caller's project. Read-only attributes (status, checksum, size...) are refused with 403; custom properties are strings.",
  })
  @ApiBody({ schema: { type: 'object', additionalProperties: true }, description: 'Image attributes.' })
  @ApiCreatedResponse({ description: 'The new image; `Location` is its URL.', ...IMAGE_BODY })
  @ApiConflictResponse({ description: 'An image with the given `id` exists.', type: ErrorDto })
  async create(
    @JsonBody() body: unknown,
    @RequestCtx() context: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const image = await this.images.create(body, context);
    reply.header('location', `${requestBaseUrl(request)}/v2/images/${String(image.id)}`);
    return pythonJsonBody(image);
  }

  @Get()
  @Header('Content-Type', 'application/json')
  @OwnProjectPolicy('get_images')
  @ApiOperation({
    operationId: 'listImages',
    summary: 'List images',
    description:
      'Images the caller can see, newest first by default. Filters: name, status, visibility, owner, tag, size_min, size_max, disk_format, container_format, protected, os_hidden, id/name `in:`, created_at/updated_at comparisons and custom properties; paging with limit and marker; sort_key/sort_dir or sort.',
  })
  @ApiOkResponse({ description: '`{"images": [...], "first": ..., "schema": ..., "next": ...}`.' })
  async list(@Req() request: FastifyRequest, @RequestCtx() context: RequestContext): Promise<Buffer> {
    const rawQuery = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    return pythonJsonBody(await this.images.list(rawQuery, context));
  }

  @Get(':image_id')
  @Header('Content-Type', 'application/json')
  @ImagePolicy('get_image')
  @IMAGE_ID
  @NOT_FOUND
  @ApiOperation({ operationId: 'showImage', summary: 'Show an image' })
  @ApiOkResponse({ description: 'The image.', ...IMAGE_BODY })
  show(@GuardedImage() image: ImageRecord, @RequestCtx() context: RequestContext): Buffer {
    return pythonJsonBody(this.images.view(image, context));
  }

  @Patch(':image_id')
  @Header('Content-Type', 'application/json')
  @ImagePolicy('modify_image')
  @IMAGE_ID
  @NOT_FOUND
  @ApiOperation({
    operationId: 'updateImage',
    summary: 'Update an image (JSON patch)',
    description:
      'Body of type `application/openstack-images-v2.1-json-patch` (RFC 6902 add, replace, remove on one-level paths) or the older `application/openstack-images-v2.0-json-patch`. Making an image public needs `publicize_image`; community, `communitize_image`. Only admins may set `owner` (`add` too, unlike Glance). With `show_multiple_locations`, `/locations` operations (`set_image_location`, `delete_image_location`) follow Glance, and non-http URLs need the service role.',
  })
  @ApiBody({
    description: 'JSON patch operations.',
    schema: { type: 'array', items: { type: 'object' } },
    examples: { rename: { value: [{ op: 'replace', path: '/name', value: 'cirros' }] } },
  })
  @ApiOkResponse({ description: 'The updated image.', ...IMAGE_BODY })
  async update(
    @GuardedImage() image: ImageRecord,
    @Req() request: FastifyRequest,
    @RequestCtx() context: RequestContext,
  ): Promise<Buffer> {
    const contentType = request.headers['content-type'];
    // Glance checks the media type (415) before it reads the body.
    const body = isImagePatchMediaType(contentType) ? jsonBody(request.body) : undefined;
    const operations = parseImagePatch(contentType, body);
    return pythonJsonBody(await this.images.update(image, operations, context));
  }

  @Delete(':image_id')
  @HttpCode(204)
  @ImagePolicy('delete_image')
  @IMAGE_ID
  @NOT_FOUND
  @ApiOperation({ operationId: 'deleteImage', summary: 'Delete an image and its data' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  async delete(@GuardedImage() image: ImageRecord): Promise<void> {
    await this.images.delete(image);
  }

  @Put(':image_id/tags/:tag_value')
  @HttpCode(204)
  @ImagePolicy('modify_image')
  @IMAGE_ID
  @ApiParam({ name: 'tag_value', description: 'The tag (at most 255 characters).' })
  @NOT_FOUND
  @ApiOperation({ operationId: 'addImageTag', summary: 'Add a tag to an image' })
  @ApiNoContentResponse({ description: 'Tagged (also when the tag was there).' })
  async addTag(@GuardedImage() image: ImageRecord, @Param('tag_value') tag: string): Promise<void> {
    await this.images.addTag(image, tag);
  }

  @Delete(':image_id/tags/:tag_value')
  @HttpCode(204)
  @ImagePolicy('modify_image')
  @IMAGE_ID
  @ApiParam({ name: 'tag_value', description: 'The tag.' })
  @NOT_FOUND
  @ApiOperation({ operationId: 'deleteImageTag', summary: 'Remove a tag from an image' })
  @ApiNoContentResponse({ description: 'Removed.' })
  async removeTag(@GuardedImage() image: ImageRecord, @Param('tag_value') tag: string): Promise<void> {
    await this.images.removeTag(image, tag);
  }

  @Post(':image_id/actions/deactivate')
  @HttpCode(204)
  @ImagePolicy('deactivate')
  @IMAGE_ID
  @NOT_FOUND
  @ApiOperation({
    operationId: 'deactivateImage',
    summary: 'Deactivate an image',
    description: 'Only active images; the data can then be downloaded by admins only.',
  })
  @ApiNoContentResponse({ description: 'Deactivated.' })
  async deactivate(@GuardedImage() image: ImageRecord): Promise<void> {
    await this.images.deactivate(image);
  }

  @Post(':image_id/actions/reactivate')
  @HttpCode(204)
  @ImagePolicy('reactivate')
  @IMAGE_ID
  @NOT_FOUND
  @ApiOperation({ operationId: 'reactivateImage', summary: 'Reactivate a deactivated image' })
  @ApiNoContentResponse({ description: 'Active again.' })
  async reactivate(@GuardedImage() image: ImageRecord): Promise<void> {
    await this.images.reactivate(image);
  }
}

/** webob makes a relative Location absolute with the request's scheme and host. */
export function requestBaseUrl(request: FastifyRequest): string {
  const host = request.headers.host;
  if (!host) throw new GlanceHttpError(400, 'The request has no Host header.');
  return `${request.protocol}://${host}`;
}
