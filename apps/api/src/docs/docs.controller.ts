import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pythonJsonBody } from '../http/json-body';
import { Public } from '../access/access.decorators';
import { OpenApiDocumentHolder } from './openapi-document';

/** swagger-ui's files we serve; everything is local (no CDN: these machines have no internet). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>glance-ts Image API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
  </script>
</body>
</html>
`;

/** The live API reference: `/docs` (interactive) and `/docs/openapi.json`. */
@ApiExcludeController()
@Controller('docs')
export class DocsController {
  private readonly assetsDir = dirname(require.resolve('swagger-ui-dist/package.json'));
  private readonly assetCache = new Map<string, Promise<Buffer>>();

  constructor(@Inject(OpenApiDocumentHolder) private readonly holder: OpenApiDocumentHolder) {}

  @Get()
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('openapi.json')
  @Public()
  @Header('Content-Type', 'application/json')
  openapi(): Buffer {
    return pythonJsonBody(this.holder.document ?? {});
  }

  @Get('assets/:file')
  @Public()
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    if (!Object.hasOwn(ASSETS, file)) throw new NotFoundException();
    reply.type(ASSETS[file]);
    // The files never change while the service runs: read each once.
    let content = this.assetCache.get(file);
    if (!content) {
      content = readFile(join(this.assetsDir, file));
      content.catch(() => this.assetCache.delete(file));
      this.assetCache.set(file, content);
    }
    return content;
  }
}
