import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { isBufferSource } from '@glance-ts/stores';
import { pumpToResponse } from '../http/buffer-pump';
import { Controller, Get, Inject, Put, Req, Res } from '@nestjs/common';
import {
  ApiConsumes,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorDto } from '@glance-ts/contracts';
import type { ImageRecord } from '@glance-ts/db';
import type { RequestContext } from '../auth/request-context';
import { ImagePolicy } from '../access/access.decorators';
import { ImageDataService } from './image-data.service';
import { GuardedImage, RequestCtx } from './image-params';

/** `/v2/images/{id}/file`: image data streamed in and out, never buffered. */
@ApiTags('Image data')
@Controller('v2/images/:image_id/file')
@ApiParam({ name: 'image_id', description: 'The image id (a UUID).' })
@ApiNotFoundResponse({ description: 'No image with this id, or one the caller cannot see.', type: ErrorDto })
export class ImageDataController {
  constructor(@Inject(ImageDataService) private readonly data: ImageDataService) {}

  @Put()
  @ImagePolicy('upload_image')
  @ApiOperation({
    operationId: 'uploadImageData',
    summary: 'Upload image data',
    description:
      'Streams the body (`application/octet-stream`) into the store named by `X-Image-Meta-Store` (multi-store) or the default store, computing size, checksum (md5) and os_hash_value (sha512) on the way, and inspecting its format (virtual_size). The image must be `queued`; it becomes `active`. On any failure it is `queued` again and the store keeps nothing. An optional `Content-MD5` (hex or base64) is verified.',
  })
  @ApiConsumes('application/octet-stream')
  @ApiNoContentResponse({ description: 'Stored; the image is active.' })
  @ApiResponse({
    status: 409,
    description: 'The image is not queued (an upload is running, or it has data).',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 413,
    description: 'Larger than `image_size_cap`, or the store is full.',
    type: ErrorDto,
  })
  @ApiResponse({
    status: 415,
    description:
      "Content-Type is not application/octet-stream, or (as Glance HEAD) the data is not its disk_format or fails a disk image safety check (a qcow2 with a backing file or data file...); the reason follows webob's text.",
    type: ErrorDto,
  })
  async upload(
    @GuardedImage() image: ImageRecord,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const abort = new AbortController();
    const onClose = () => {
      if (!request.raw.complete) abort.abort();
    };
    // The client is gone when the connection closes, and also when it only shuts down its side
    // (FIN) before the whole body arrived: that body can never complete, yet the connection stays
    // half open and the request would wait for client_socket_timeout.
    request.raw.once('close', onClose);
    const socket = request.raw.socket;
    socket.once('end', onClose);
    // Both may have happened already, while the guard loaded the image.
    if (request.raw.destroyed || socket.destroyed || socket.readableEnded) onClose();
    try {
      const length = request.headers['content-length'];
      await this.data.upload(image, request.body as Readable, {
        contentType: request.headers['content-type'],
        storeId: header(request, 'x-image-meta-store'),
        contentLength: length === undefined ? null : Number(length),
        contentMd5: header(request, 'content-md5'),
        signal: abort.signal,
      });
    } finally {
      request.raw.off('close', onClose);
      socket.off('end', onClose);
    }
    reply.code(204).send();
  }

  @Get()
  @ImagePolicy('download_image')
  @ApiOperation({
    operationId: 'downloadImageData',
    summary: 'Download image data',
    description:
      'Streams the data with `Content-Length` and `Content-MD5` (the hex md5 checksum). One `Range: bytes=` range → 206 with `Content-Range`; a range outside the image → 416. An image without data → 204.',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The data.' })
  @ApiResponse({ status: 206, description: 'The requested range.' })
  @ApiNoContentResponse({ description: 'The image has no data.' })
  @ApiResponse({ status: 416, description: 'The range is outside the image.', type: ErrorDto })
  async download(
    @GuardedImage() image: ImageRecord,
    @RequestCtx() context: RequestContext,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const response = await this.data.download(image, header(request, 'range'), context);
    reply.code(response.status).headers(response.headers);
    if (!response.body) {
      reply.send();
      return;
    }
    const body = response.body;
    const length = Number(response.headers['content-length']);
    if (isBufferSource(body) && Number.isSafeInteger(length)) {
      // Pooled buffers straight to the socket: nothing allocated per chunk. Fastify still runs the
      // onResponse hooks (the access log) for a hijacked reply.
      reply.hijack();
      reply.raw.writeHead(response.status, {
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        ...response.headers,
      });
      await pumpToResponse(body, reply.raw, length).catch((error: unknown) =>
        request.log.error(`image ${image.id}: download failed: ${String(error)}`),
      );
      return;
    }
    // A store failing mid-stream ends the response early: the client sees a short body.
    body.on('error', (error) => request.log.error(`image ${image.id}: download failed: ${String(error)}`));
    reply.send(body);
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
