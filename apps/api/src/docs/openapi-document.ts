import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { IMAGE_SCHEMA } from '@glance-ts/contracts';
import { AUTH_HEADER_SCHEME } from '../access/access.decorators';

/** The OpenAPI document of the running app: the single source of docs/api-ref/openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('glance-ts Image API')
    .setDescription(
      'An OpenStack Glance v2-compatible image service. Wire-compatible with Glance: bodies, headers and error ' +
        'formats match Glance (errors are JSON for `Accept: application/json`, HTML for `*/*`, plain text ' +
        'otherwise). Every `/v2` response carries `X-Openstack-Request-Id`.',
    )
    .setVersion('2.17')
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
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controller, method) => method,
  });
  // The image body is described by the same JSON Schema the API serves at /v2/schemas/image.
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, Image: toOpenApiSchema(IMAGE_SCHEMA) };
  return document;
}

/**
 * JSON Schema (draft 4, as Glance serves it) to an OpenAPI 3.0 schema object: `type: ['null', X]`
 * becomes `type: X, nullable: true`; Glance's `is_base` and the `name`/`links` keys are dropped.
 */
function toOpenApiSchema(schema: unknown): Record<string, unknown> {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema) as unknown as Record<string, unknown>;
  if (schema === null || typeof schema !== 'object') return schema as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'is_base' || key === 'links' || key === 'name') continue;
    if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((type) => type !== 'null');
      result.type = types[0];
      if (types.length < value.length) result.nullable = true;
    } else if (key === 'properties') {
      result.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, property]) => [
          name,
          toOpenApiSchema(property),
        ]),
      );
    } else if (typeof value === 'object' && value !== null && key !== 'enum') {
      result[key] = toOpenApiSchema(value);
    } else {
      result[key] = value;
    }
  }
  if (!('type' in result) && 'properties' in result) result.type = 'object';
  return result;
}

/** Filled once the app is initialised; the docs controller serves it. */
export class OpenApiDocumentHolder {
  document: OpenAPIObject | null = null;
}
