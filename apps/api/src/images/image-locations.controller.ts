import { Controller, Get, Header, HttpCode, Inject, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorDto } from '@glance-ts/contracts';
import type { ImageRecord } from '@glance-ts/db';
import { JsonBody } from '../http/body-parsers';
import { pythonJsonBody } from '../http/json-body';
import { ImagePolicy } from '../access/access.decorators';
import { ADD_LOCATION_SCHEMA } from './domain/location-request';
import { ImageLocationsService } from './image-locations.service';
import { GuardedImage, RequestCtx } from './image-params';
import type { RequestContext } from '../auth/request-context';

/** `/v2/images/{id}/locations`: Glance 2024.2's location API, for services that place data themselves. */
@ApiTags('Image locations')
@Controller('v2/images/:image_id/locations')
@ApiParam({ name: 'image_id', description: 'The image id (a UUID).' })
@ApiNotFoundResponse({ description: 'No image with this id, or one the caller cannot see.', type: ErrorDto })
export class ImageLocationsController {
  constructor(@Inject(ImageLocationsService) private readonly locations: ImageLocationsService) {}

  @Post()
  @HttpCode(202)
  @ImagePolicy('add_image_location')
  @ApiOperation({
    operationId: 'addImageLocation',
    summary: 'Add a location to a queued image',
    description:
      "Points a `queued` image at data already in a configured store (rbd: `rbd://<fsid>/<pool>/<image>/<snapshot>`, with the store's fsid and pool and an existing snapshot). Policy `add_image_location` (the service role, or a member of the owning project), then Glance's rule: without the service role (in the token's or the service token's roles) only http URLs, which must pass `[import_filtering_opts]` and reach public addresses only; a refusal is one `400 Invalid location`. The size is read from the store, the format inspected (virtual_size; unsafe images such as a qcow2 with a backing file are refused) and the image is `active` when the call returns; with `do_secure_hash` (default) checksum and os_hash_value are computed in the background. With `validation_data` the image stays `importing` until the data matches it, and goes back to `queued` if it does not.",
  })
  @ApiBody({ schema: ADD_LOCATION_SCHEMA as Record<string, unknown> })
  @ApiAcceptedResponse({ description: 'The location is recorded.' })
  @ApiBadRequestResponse({
    description: 'Not a location of any configured store, no data there, or bad validation_data.',
    type: ErrorDto,
  })
  @ApiForbiddenResponse({
    description:
      'Not allowed (`add_image_location`), or a non-http URL from a caller without the service role.',
    type: ErrorDto,
  })
  @ApiConflictResponse({
    description: "The image is not queued, or (caller without the service role) the data is another image's.",
    type: ErrorDto,
  })
  @ApiResponse({
    status: 503,
    description:
      "The location's store cannot be reached (an rbd cluster; an http URL that cannot be fetched is a 400).",
    type: ErrorDto,
  })
  async add(
    @GuardedImage() image: ImageRecord,
    @JsonBody() body: unknown,
    @RequestCtx() context: RequestContext,
  ): Promise<void> {
    await this.locations.add(image, body, context);
  }

  @Get()
  @Header('Content-Type', 'application/json')
  @ImagePolicy('fetch_image_location')
  @ApiOperation({
    operationId: 'listImageLocations',
    summary: "List an image's locations",
    description: 'Where the data lives, for services (policy `fetch_image_location`: the service role).',
  })
  @ApiOkResponse({ description: '`[{"url": ..., "metadata": {"store": ...}}]`.' })
  list(@GuardedImage() image: ImageRecord): Buffer {
    return pythonJsonBody(this.locations.list(image));
  }
}
