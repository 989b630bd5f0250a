// What image-create and image-update send: the fields glanceclient derives from their options
//  (do_image_create / do_image_update), and the JSON patch of an update as its
// warlock model computes it.
import type { ParsedArguments } from '../argparse';
import { CliError } from '../errors';
import { isCoreProperty, type JsonSchema } from './image-schema';
import type { PatchOperation } from './images-api';
import { imageValueError } from './warlock';

/** "key=value" of --property; glanceclient's `key, value = datum.split('=', 1)` fails without "=". */
function splitProperty(datum: string): [string, string] {
  const equals = datum.indexOf('=');
  if (equals < 0) throw new CliError('not enough values to unpack (expected 2, got 1)');
  return [datum.slice(0, equals), datum.slice(equals + 1)];
}

/**
 * The image fields of a command line, as glanceclient collects them: every given value whose
 * name the server's schema knows, then each --property key=value (which may override one).
 * `file` and the positional `id` are left to the caller.
 */
export function imageFields(
  parsed: ParsedArguments,
  schemaOptionDests: readonly string[],
  schema: JsonSchema,
): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const dest of schemaOptionDests) {
    const value = parsed[dest];
    if (value !== undefined && value !== null && isCoreProperty(schema, dest)) fields.set(dest, value);
  }
  for (const datum of (parsed.property as string[] | undefined) ?? []) {
    const [key, value] = splitProperty(datum);
    fields.set(key, value);
  }
  return fields;
}

/** warlock's validation as glanceclient sets each field in turn: the first refusal ends the command. */
export function validateImageFields(schema: JsonSchema, fields: ReadonlyMap<string, unknown>): void {
  for (const [key, value] of fields) {
    const error = imageValueError(schema, key, value);
    if (error) throw new CliError(error);
  }
}

/** A JSON pointer to a top-level key ("~" and "/" escaped). */
function pointer(key: string): string {
  return '/' + key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Python's == for the JSON values an image holds. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The patch glanceclient's image model sends for an update: a changed value is a "replace";
 * a new key an "add" — except a base property of the schema (is_base not false), which Glance
 * always has and which is therefore "replace"d too; --remove-property removes keys the image has
 * and that are not being set. Unchanged values send nothing.
 */
export function imagePatch(
  current: Readonly<Record<string, unknown>>,
  fields: ReadonlyMap<string, unknown>,
  removals: readonly string[],
  schema: JsonSchema,
): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const [key, value] of fields) {
    const has = Object.prototype.hasOwnProperty.call(current, key);
    if (has && sameValue(current[key], value)) continue;
    const baseProperty = schema.properties?.[key] !== undefined && schema.properties[key].is_base !== false;
    operations.push({ op: has || baseProperty ? 'replace' : 'add', path: pointer(key), value });
  }
  for (const key of new Set(removals)) {
    if (Object.prototype.hasOwnProperty.call(current, key) && !fields.has(key))
      operations.push({ op: 'remove', path: pointer(key) });
  }
  return operations;
}
