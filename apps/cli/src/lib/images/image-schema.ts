// The image schema (GET /v2/schemas/image) as glanceclient 4.1 uses it for image-create and
// image-update: every property becomes an option (utils.schema_args), and only properties the
// server's schema knows are sent as such (Schema.is_core_property); the rest need --property.
//
// The options on help pages come, as in glanceclient, from ~/.glanceclient/image_schema.json when
// that cache exists and from glanceclient's built-in schema otherwise — help needs no server. The
// commands themselves fetch the server's schema anyway (glanceclient does too), accept the options
// of both, and write the cache when it is missing (or with --get-schema): one small file, in the
// format glanceclient writes and reads, so both clients share it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { dumps, pyStr, type PyValue } from '@glance-ts/pycompat';
import { BOOL_FROM_STRING, INT, type OptionSpec, STRING, type ValueType } from '../argparse';
import { CliError } from '../errors';
import { BASE_IMAGE_SCHEMA } from './base-image-schema';

/** A JSON Schema, as far as glanceclient reads one. */
export interface PropertySchema {
  type?: string | readonly string[];
  description?: string;
  enum?: readonly unknown[];
  items?: PropertySchema;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  readOnly?: boolean;
  is_base?: boolean;
  [keyword: string]: unknown;
}

export interface JsonSchema {
  name?: string;
  properties?: Record<string, PropertySchema>;
  additionalProperties?: PropertySchema | boolean;
  [keyword: string]: unknown;
}

/** Where glanceclient caches the schema (without --os-auth-url, which glance-ts has no use for). */
export function imageSchemaCachePath(): string {
  return join(homedir(), '.glanceclient', 'image_schema.json');
}

function isSchema(value: unknown): value is JsonSchema {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as JsonSchema).properties === 'object' &&
    (value as JsonSchema).properties !== null
  );
}

/** The cached schema, or undefined when there is none or it is unreadable (glanceclient would crash). */
export function readCachedImageSchema(path = imageSchemaCachePath()): JsonSchema | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isSchema(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The schema help pages are built from: the cache, else glanceclient's built-in one. */
export function helpImageSchema(): JsonSchema {
  return readCachedImageSchema() ?? BASE_IMAGE_SCHEMA;
}

/**
 * Writes the server's schema as glanceclient does (json.dumps of the response). A cache that
 * cannot be written only costs the next help page the server's options, so failures are ignored.
 */
export function writeImageSchemaCache(schema: PyValue, path = imageSchemaCachePath()): void {
  try {
    // One level only: HOME exists (or nothing should be created). A recursive mkdir also never
    // returns on some pseudo file systems (/proc).
    try {
      mkdirSync(dirname(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    writeFileSync(path, dumps(schema));
  } catch {
    // Read-only or missing HOME: glanceclient carries on too.
  }
}

export function parseImageSchema(value: unknown): JsonSchema {
  if (!isSchema(value)) throw new CliError('Invalid image schema from the server: no "properties" object');
  return value;
}

/** glanceclient's is_core_property: the server's schema knows the property (base or not). */
export function isCoreProperty(schema: JsonSchema, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(schema.properties ?? {}, name);
}

/** The first non-null type of a property (glanceclient reads ["null", "string"] as "string"). */
export function propertyType(property: PropertySchema | undefined): string {
  const type = property?.type ?? 'string';
  if (typeof type === 'string') return type;
  return type.find((candidate) => candidate !== 'null') ?? 'string';
}

/** schema_args' typemap; a type it does not know (number, object) keeps the text as it is. */
const VALUE_TYPES: Record<string, ValueType> = {
  string: STRING,
  integer: INT,
  boolean: BOOL_FROM_STRING,
};

/**
 * utils.schema_args: one option per property not omitted, in reverse schema order (the decorator
 * inserts each at the front). Arrays take one or more values; booleans read True/False loosely.
 */
export function schemaOptions(schema: JsonSchema, omit: readonly string[]): OptionSpec[] {
  const options: OptionSpec[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (omit.includes(name)) continue;
    const type = propertyType(property);
    let help = property.description ?? '';
    if (Array.isArray(property.enum)) {
      if (help.length > 0) help += ' ';
      help += 'Valid values: ' + property.enum.map((value) => pyStr(value)).join(', ');
    }
    options.unshift({
      name: name.replace(/_/g, '-'),
      dest: name,
      action: 'store',
      nargs: type === 'array' ? '+' : undefined,
      type: VALUE_TYPES[type === 'array' ? propertyType(property.items) : type] ?? STRING,
      metavar: type === 'boolean' ? '[True|False]' : `<${name.toUpperCase()}>`,
      help,
    });
  }
  return options;
}

/**
 * The options of a command run against a server: those glanceclient would offer (cache or
 * built-in schema, so that nothing it accepts is refused) followed by any the server adds.
 * Options of the command itself win a name clash (glanceclient would crash on one).
 */
export function mergeSchemaOptions(
  offline: readonly OptionSpec[],
  live: readonly OptionSpec[],
  reserved: readonly string[],
): OptionSpec[] {
  const merged = new Map<string, OptionSpec>();
  const liveByName = new Map(live.map((option) => [option.name, option]));
  // Where both know a property, the server's definition (type, help) is the one that applies.
  for (const option of offline) merged.set(option.name, liveByName.get(option.name) ?? option);
  for (const option of live) if (!merged.has(option.name)) merged.set(option.name, option);
  return [...merged.values()].filter((option) => !reserved.includes(option.name));
}
