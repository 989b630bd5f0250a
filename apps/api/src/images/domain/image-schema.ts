import { IMAGE_SCHEMA } from '@glance-ts/contracts';
import { describeValidationError, findSchemaError, type JsonSchema } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';

/*
 * Glance validates image requests as `jsonschema.validate(obj, schema.raw())` with Python's
 * jsonschema 4.x (the engine is @glance-ts/pycompat's) and puts the whole text of the error
 * jsonschema's `best_match` picks after "Provided object does not match schema 'image': ".
 */

/**
 * The schema Glance validates image requests against: the served image schema (IMAGE_SCHEMA) plus
 * what Glance's own schema has and the served one leaves out — the read-only `stores` property
 * (dropped from the served copy for glanceclient's sake) and the write-only `validation_data` of a
 * location. Their text matters: jsonschema prints the failing subschema in its message.
 */
export const IMAGE_VALIDATION_SCHEMA: JsonSchema = buildImageValidationSchema();

function buildImageValidationSchema(): JsonSchema {
  const properties: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(IMAGE_SCHEMA.properties)) {
    // Glance lists `stores` between `file` and `schema`.
    if (name === 'schema') {
      properties.stores = {
        type: 'string',
        readOnly: true,
        description:
          'Store in which image data resides.  Only present when the operator has enabled multiple stores.  May be a comma-separated list of store identifiers.',
      };
    }
    properties[name] = name === 'locations' ? withValidationData(property as JsonSchema) : property;
  }
  return { ...IMAGE_SCHEMA, properties };
}

function withValidationData(locations: JsonSchema): JsonSchema {
  const items = locations.items as JsonSchema;
  const itemProperties = items.properties as JsonSchema;
  return {
    ...locations,
    items: {
      ...items,
      properties: {
        ...itemProperties,
        validation_data: {
          description:
            "Values to be used to populate the corresponding image properties. If the image status is not 'queued', values must exactly match those already contained in the image properties.",
          type: 'object',
          writeOnly: true,
          additionalProperties: false,
          properties: {
            checksum: { type: 'string', minLength: 32, maxLength: 32 },
            os_hash_algo: { type: 'string', maxLength: 64 },
            os_hash_value: { type: 'string', maxLength: 128 },
          },
          required: ['os_hash_algo', 'os_hash_value'],
        },
      },
    },
  };
}

/** Glance's `Schema.validate` for the image schema: 400 with jsonschema's full text. */
export function validateImageSchema(instance: unknown): void {
  const error = findSchemaError(instance, IMAGE_VALIDATION_SCHEMA);
  if (error) {
    throw new ImageRequestError(
      400,
      `Provided object does not match schema 'image': ${describeValidationError(error)}`,
    );
  }
}
