// glanceclient validates every value it sets on an image against the server's image schema
// before sending anything (warlock models over jsonschema), and stops with warlock's message:
//   Unable to set 'disk_format' to 'foo'. Reason: 'foo' is not one of [None, 'ami', ...]
//
//   Failed validating 'enum' in schema['properties']['disk_format']:
//       {'description': 'Format of the disk',
//       ...
// This is the subset of JSON Schema image schemas use (type, enum, lengths, pattern, bounds,
// array items), with jsonschema 4.10's messages; a keyword outside it is not checked here and is
// left to the server.
import { pformat } from '../output/python-pprint';
import { PyFloat, pyRepr } from '../output/python-values';
import { pyLen } from '../output/textwrap';
import type { JsonSchema, PropertySchema } from './image-schema';

interface SchemaError {
  message: string;
  /** The keyword that failed ("enum"). */
  validator: string;
  /** The (sub)schema holding that keyword. */
  schema: PropertySchema;
  /** Path of that subschema from the root: ['properties', 'tags', 'items']. */
  schemaPath: (string | number)[];
  /** Path of the failing value from the image: ['tags', 0]. */
  instancePath: (string | number)[];
  instance: unknown;
}

function isInteger(value: unknown): boolean {
  return (
    typeof value === 'bigint' ||
    (typeof value === 'number' && Number.isInteger(value)) ||
    (value instanceof PyFloat && Number.isInteger(value.value))
  );
}

/** jsonschema's type checker (draft 2020-12: 1.0 is an integer, booleans are not numbers). */
function isOfType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return isInteger(value);
    case 'number':
      return typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat;
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null || value === undefined;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return (
        typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat)
      );
    default:
      return true; // an unknown type name: jsonschema would refuse the schema, not the value
  }
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof PyFloat) return value.value;
  return undefined;
}

/** Python's ==, for the JSON values enums hold. */
function pyEquals(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  const [x, y] = [numeric(a), numeric(b)];
  if (x !== undefined && y !== undefined) return x === y;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => pyEquals(item, b[index]));
  return a === b;
}

/** The first error jsonschema reports for one value, keywords checked in the schema's order. */
function firstError(
  value: unknown,
  schema: PropertySchema,
  schemaPath: (string | number)[],
  instancePath: (string | number)[],
): SchemaError | undefined {
  const fail = (validator: string, message: string): SchemaError => ({
    message,
    validator,
    schema,
    schemaPath,
    instancePath,
    instance: value,
  });
  for (const keyword of Object.keys(schema)) {
    switch (keyword) {
      case 'type': {
        const types = typeof schema.type === 'string' ? [schema.type] : [...(schema.type ?? [])];
        if (!types.some((type) => isOfType(value, type)))
          return fail(
            'type',
            `${pyRepr(value)} is not of type ${types.map((type) => pyRepr(type)).join(', ')}`,
          );
        break;
      }
      case 'enum':
        if (Array.isArray(schema.enum) && !schema.enum.some((candidate) => pyEquals(value, candidate)))
          return fail('enum', `${pyRepr(value)} is not one of ${pyRepr(schema.enum)}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && pyLen(value) > schema.maxLength!)
          return fail('maxLength', `${pyRepr(value)} is too long`);
        break;
      case 'minLength':
        if (typeof value === 'string' && pyLen(value) < schema.minLength!)
          return fail('minLength', `${pyRepr(value)} is too short`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(schema.pattern!).test(value))
          return fail('pattern', `${pyRepr(value)} does not match ${pyRepr(schema.pattern)}`);
        break;
      case 'minimum': {
        const number = numeric(value);
        if (number !== undefined && typeof value !== 'boolean' && number < schema.minimum!)
          return fail('minimum', `${pyRepr(value)} is less than the minimum of ${pyRepr(schema.minimum)}`);
        break;
      }
      case 'maximum': {
        const number = numeric(value);
        if (number !== undefined && typeof value !== 'boolean' && number > schema.maximum!)
          return fail('maximum', `${pyRepr(value)} is greater than the maximum of ${pyRepr(schema.maximum)}`);
        break;
      }
      case 'items':
        if (Array.isArray(value) && schema.items) {
          for (let index = 0; index < value.length; index++) {
            const error = firstError(
              value[index],
              schema.items,
              [...schemaPath, 'items'],
              [...instancePath, index],
            );
            if (error) return error;
          }
        }
        break;
    }
  }
  return undefined;
}

function formatAsIndex(container: string, indices: readonly (string | number)[]): string {
  return indices.length === 0
    ? container
    : `${container}[${indices.map((index) => pyRepr(index)).join('][')}]`;
}

/** str(jsonschema.ValidationError): the message, then where it failed, both pretty-printed. */
function describe(error: SchemaError): string {
  const block = (value: unknown) => pformat(value, 72).split('\n').join('\n    ');
  return [
    error.message,
    '',
    `Failed validating ${pyRepr(error.validator)} in ${formatAsIndex('schema', error.schemaPath)}:`,
    `    ${block(error.schema)}`,
    '',
    `On ${formatAsIndex('instance', error.instancePath)}:`,
    `    ${block(error.instance)}`,
  ].join('\n');
}

/**
 * warlock's check when glanceclient sets `key` to `value` on an image: undefined when the schema
 * accepts it, else the message glanceclient exits with.
 */
export function imageValueError(schema: JsonSchema, key: string, value: unknown): string | undefined {
  const property = schema.properties?.[key];
  let error: SchemaError | undefined;
  if (property) {
    error = firstError(value, property, ['properties', key], [key]);
  } else if (schema.additionalProperties === false) {
    error = {
      message: `Additional properties are not allowed (${pyRepr(key)} was unexpected)`,
      validator: 'additionalProperties',
      schema: schema as PropertySchema,
      schemaPath: [],
      instancePath: [],
      instance: { [key]: value },
    };
  } else if (typeof schema.additionalProperties === 'object') {
    error = firstError(value, schema.additionalProperties, ['additionalProperties'], [key]);
  }
  return error && `Unable to set ${pyRepr(key)} to ${pyRepr(value)}. Reason: ${describe(error)}`;
}
