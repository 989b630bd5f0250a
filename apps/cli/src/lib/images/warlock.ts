// glanceclient validates every value it sets on an image against the server's image schema
// before sending anything (warlock models over jsonschema), and stops with warlock's message:
//   Unable to set 'disk_format' to 'foo'. Reason: 'foo' is not one of [None, 'ami', ...]
//
//   Failed validating 'enum' in schema['properties']['disk_format']:
//       {'description': 'Format of the disk',
//       ...
// warlock runs jsonschema.validate on the model with the new value: the error best_match picks,
// as str(error). The validation and its messages are @glance-ts/pycompat's jsonschema; a keyword
// it does not implement is not checked here and is left to the server.
import { describeValidationError, findSchemaError, PyDict, type PyValue, pyRepr } from '@glance-ts/pycompat';
import type { JsonSchema } from './image-schema';

/**
 * warlock's check when glanceclient sets `key` to `value` on an image: undefined when the schema
 * accepts it, else the message glanceclient exits with.
 */
export function imageValueError(schema: JsonSchema, key: string, value: unknown): string | undefined {
  const error = findSchemaError(new PyDict([[key, value as PyValue]]), schema, { unsupported: 'ignore' });
  return (
    error && `Unable to set ${pyRepr(key)} to ${pyRepr(value)}. Reason: ${describeValidationError(error)}`
  );
}
