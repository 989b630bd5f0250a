import { Controller, Get, Header, HttpCode, Inject, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { VersionsDto } from '@glance-ts/contracts';
import type { GlanceConfig } from '@glance-ts/config';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { pythonJsonBody } from '../http/json-body';
import { Public } from '../access/access.decorators';
import { versionsDocument } from './api-versions';

const EXAMPLE = versionsDocument('http://127.0.0.1:9292', true);

@ApiTags('Versions')
@Controller()
export class VersionsController {
  constructor(@Inject(GLANCE_CONFIG) private readonly config: GlanceConfig) {}

  @Get()
  @Public()
  @HttpCode(300)
  @Header('Content-Type', 'application/json')
  @ApiOperation({
    operationId: 'listVersionsRoot',
    summary: 'List API versions (version negotiation)',
    description:
      'Also the answer (300) for any path outside a served version, e.g. `/v3/...` or `/info/stores`.',
  })
  @ApiResponse({ status: 300, description: 'Multiple Choices', type: VersionsDto, example: EXAMPLE })
  root(@Req() request: FastifyRequest): Buffer {
    return this.body(request);
  }

  @Get('versions')
  @Public()
  @Header('Content-Type', 'application/json')
  @ApiOperation({ operationId: 'listVersions', summary: 'List API versions' })
  @ApiOkResponse({ description: 'The versions document.', type: VersionsDto, example: EXAMPLE })
  versions(@Req() request: FastifyRequest): Buffer {
    return this.body(request);
  }

  private body(request: FastifyRequest): Buffer {
    const base =
      this.config.server.publicEndpoint ??
      `${request.protocol}://${request.headers.host ?? request.hostname}`;
    return pythonJsonBody(versionsDocument(base, this.config.multiStore));
  }
}
