import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AUTH_HEADER_SCHEME } from '../policy/access.decorators';

/** The OpenAPI document of the running app: the single source of docs/api-ref/openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('glance-ts Image API')
    .setDescription(
      'An OpenStack Glance v2-compatible image service. Wire-compatible with Glance: bodies, headers and error ' +
        'formats match Glance (errors are JSON for `Accept: application/json`, HTML for `*/*`, plain text ' +
        'otherwise). Every `/v2` response carries `X-Openstack-Request-Id`.',
    )
    .setVersion('2.16')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Auth-Token',
        description: 'A token (see `[auth]` in the configuration).',
      },
      AUTH_HEADER_SCHEME,
    )
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
}

/** Filled once the app is initialised; the docs controller serves it. */
export class OpenApiDocumentHolder {
  document: OpenAPIObject | null = null;
}
