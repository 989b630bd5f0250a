import { IMAGE_SCHEMA } from '@glance-ts/contracts';
import { ImageRequestError } from './image-errors';
import { pythonPformat, pythonRepr } from './python-repr';
import { compareCodePoints, pythonLength, PYTHON_WHITESPACE_CLASS } from './python-text';

/**
 * JSON Schema validation as Glance does it: `jsonschema.validate(obj, schema.raw())` with Python's
 * jsonschema 4.x (Draft 2020-12 semantics, as the schema names no draft), reporting the error
 * jsonschema's `best_match` picks, as `str(error)` — the one-line message followed by "Failed
 * validating ..." with the pretty-printed subschema and "On instance[...]" with the offending value.
 * Glance puts that whole text after "Provided object does not match schema 'image': ".
 *
 * Only the keywords Glance's schemas use (and a few neighbours) are implemented; a schema with any
 * other validation keyword is refused rather than half-checked.
 *
 * Where Python itself is not deterministic — jsonschema visits the additional properties of an
 * object in `set` order, which changes with the interpreter's hash seed — this picks the first in
 * the instance's key order.
 */

export type JsonSchema = Readonly<Record<string, unknown>>;
type PathItem = string | number;

export interface SchemaValidationError {
  /** jsonschema's `error.message`, e.g. `5 is not of type 'string'`. */
  readonly message: string;
  /** The failing keyword (`type`, `enum`, `maxLength`...). */
  readonly validator: string;
  /** Where in the instance, outermost first (`['tags', 0]`). */
  readonly path: readonly PathItem[];
  /** Where in the schema, outermost first, ending with the keyword. */
  readonly schemaPath: readonly PathItem[];
  /** The subschema holding the keyword. */
  readonly schema: JsonSchema;
  /** The value that failed. */
  readonly instance: unknown;
}

/** Keywords that carry no validation in Draft 2020-12 (or are Glance's own annotations). */
const ANNOTATIONS = new Set([
  'name',
  'title',
  'description',
  'readOnly',
  'writeOnly',
  'default',
  'examples',
  'links',
  'is_base',
  '$comment',
  '$schema',
]);

/** Every error jsonschema's `iter_errors` yields, in its order (schema keywords in key order). */
export function iterSchemaErrors(instance: unknown, schema: JsonSchema): SchemaValidationError[] {
  const errors: SchemaValidationError[] = [];
  collect(instance, schema, [], [], errors);
  return errors;
}

/** The error `jsonschema.validate` raises, or undefined when the instance is valid. */
export function findSchemaError(instance: unknown, schema: JsonSchema): SchemaValidationError | undefined {
  return bestMatch(iterSchemaErrors(instance, schema));
}

/**
 * jsonschema's `best_match` with its default `relevance` key: errors nearer the top of the instance
 * win, then errors whose subschema's `type` the value does not even have; among equals the first.
 * (`anyOf` / `oneOf`, which the key also weighs, are not supported here.)
 */
export function bestMatch(errors: readonly SchemaValidationError[]): SchemaValidationError | undefined {
  let best: SchemaValidationError | undefined;
  let bestKey: readonly number[] = [];
  for (const error of errors) {
    const key = relevance(error);
    if (best === undefined || compareKeys(key, bestKey) > 0) {
      best = error;
      bestKey = key;
    }
  }
  return best;
}

function relevance(error: SchemaValidationError): number[] {
  // (-len(path), validator not in weak, validator in strong, not error._matches_type())
  return [-error.path.length, 1, 0, matchesType(error) ? 0 : 1];
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function matchesType(error: SchemaValidationError): boolean {
  const expected = error.schema.type;
  if (expected === undefined) return false;
  const types = Array.isArray(expected) ? expected : [expected];
  return types.some((type) => isType(error.instance, String(type)));
}

/** `str(error)` of jsonschema 4.x: the message, the failing subschema and the failing value. */
export function describeValidationError(error: SchemaValidationError): string {
  const schemaPath = formatAsIndex('schema', error.schemaPath.slice(0, -1));
  const instancePath = formatAsIndex('instance', error.path);
  return (
    `${error.message}\n\n` +
    `Failed validating ${pythonRepr(error.validator)} in ${schemaPath}:\n` +
    `    ${indentFollowingLines(pythonPformat(error.schema))}\n\n` +
    `On ${instancePath}:\n` +
    `    ${indentFollowingLines(pythonPformat(error.instance))}`
  );
}

function formatAsIndex(container: string, indices: readonly PathItem[]): string {
  return indices.length === 0
    ? container
    : `${container}[${indices.map((index) => pythonRepr(index)).join('][')}]`;
}

// textwrap.indent() then dedent() leave four spaces before every line after the first.
function indentFollowingLines(text: string): string {
  return text.split('\n').join('\n    ');
}

function isType(instance: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return instance === null;
    case 'boolean':
      return typeof instance === 'boolean';
    case 'string':
      return typeof instance === 'string';
    // Draft 6 onwards an integral float is an integer; a JSON number cannot say which it was.
    case 'integer':
      return typeof instance === 'number' && Number.isInteger(instance);
    case 'number':
      return typeof instance === 'number';
    case 'array':
      return Array.isArray(instance);
    case 'object':
      return isJsonObject(instance);
    default:
      throw new Error(`unknown JSON Schema type ${type}`);
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collect(
  instance: unknown,
  schema: JsonSchema,
  path: readonly PathItem[],
  schemaPath: readonly PathItem[],
  errors: SchemaValidationError[],
): void {
  const fail = (validator: string, message: string) =>
    errors.push({ message, validator, path, schemaPath: [...schemaPath, validator], schema, instance });
  const descend = (value: unknown, subschema: unknown, at: PathItem[], schemaAt: PathItem[]) => {
    if (subschema === true) return;
    if (!isJsonObject(subschema)) throw new Error('only object and true subschemas are supported');
    collect(value, subschema, [...path, ...at], [...schemaPath, ...schemaAt], errors);
  };

  for (const [keyword, expected] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case 'type': {
        const types = (Array.isArray(expected) ? expected : [expected]).map(String);
        if (!types.some((type) => isType(instance, type))) {
          fail(
            keyword,
            `${pythonRepr(instance)} is not of type ${types.map((type) => pythonRepr(type)).join(', ')}`,
          );
        }
        break;
      }
      case 'enum':
        if (!enumContains(expected as unknown[], instance)) {
          fail(keyword, `${pythonRepr(instance)} is not one of ${pythonRepr(expected)}`);
        }
        break;
      case 'const':
        if (!jsonschemaEqual(instance, expected)) fail(keyword, `${pythonRepr(expected)} was expected`);
        break;
      case 'minLength':
        if (typeof instance === 'string' && pythonLength(instance) < (expected as number)) {
          fail(keyword, `${pythonRepr(instance)} is too short`);
        }
        break;
      case 'maxLength':
        if (typeof instance === 'string' && pythonLength(instance) > (expected as number)) {
          fail(keyword, `${pythonRepr(instance)} is too long`);
        }
        break;
      case 'pattern':
        if (typeof instance === 'string' && !pythonRegexSearch(expected as string, instance)) {
          fail(keyword, `${pythonRepr(instance)} does not match ${pythonRepr(expected)}`);
        }
        break;
      case 'minimum':
        if (typeof instance === 'number' && instance < (expected as number)) {
          fail(keyword, `${pythonRepr(instance)} is less than the minimum of ${pythonRepr(expected)}`);
        }
        break;
      case 'maximum':
        if (typeof instance === 'number' && instance > (expected as number)) {
          fail(keyword, `${pythonRepr(instance)} is greater than the maximum of ${pythonRepr(expected)}`);
        }
        break;
      case 'exclusiveMinimum':
        if (typeof instance === 'number' && instance <= (expected as number)) {
          fail(
            keyword,
            `${pythonRepr(instance)} is less than or equal to the minimum of ${pythonRepr(expected)}`,
          );
        }
        break;
      case 'exclusiveMaximum':
        if (typeof instance === 'number' && instance >= (expected as number)) {
          fail(
            keyword,
            `${pythonRepr(instance)} is greater than or equal to the maximum of ${pythonRepr(expected)}`,
          );
        }
        break;
      case 'minItems':
        if (Array.isArray(instance) && instance.length < (expected as number)) {
          fail(keyword, `${pythonRepr(instance)} is too short`);
        }
        break;
      case 'maxItems':
        if (Array.isArray(instance) && instance.length > (expected as number)) {
          fail(keyword, `${pythonRepr(instance)} is too long`);
        }
        break;
      case 'uniqueItems':
        if (expected && Array.isArray(instance) && !allUnique(instance)) {
          fail(keyword, `${pythonRepr(instance)} has non-unique elements`);
        }
        break;
      case 'items':
        if (Array.isArray(instance)) {
          instance.forEach((item, index) => descend(item, expected, [index], [keyword]));
        }
        break;
      case 'properties':
        if (isJsonObject(instance)) {
          for (const [name, subschema] of Object.entries(expected as JsonSchema)) {
            if (Object.hasOwn(instance, name)) descend(instance[name], subschema, [name], [keyword, name]);
          }
        }
        break;
      case 'additionalProperties':
        if (isJsonObject(instance)) {
          const declared = (schema.properties ?? {}) as JsonSchema;
          const extras = Object.keys(instance).filter((name) => !Object.hasOwn(declared, name));
          if (isJsonObject(expected)) {
            for (const name of extras) descend(instance[name], expected, [name], [keyword]);
          } else if (expected === false && extras.length > 0) {
            const sorted = [...extras].sort(compareCodePoints);
            fail(
              keyword,
              `Additional properties are not allowed (${sorted.map((name) => pythonRepr(name)).join(', ')} ${
                sorted.length === 1 ? 'was' : 'were'
              } unexpected)`,
            );
          }
        }
        break;
      case 'required':
        if (isJsonObject(instance)) {
          for (const name of expected as string[]) {
            if (!Object.hasOwn(instance, name)) fail(keyword, `${pythonRepr(name)} is a required property`);
          }
        }
        break;
      default:
        throw new Error(`JSON Schema keyword ${keyword} is not supported by this validator`);
    }
  }
}

/** jsonschema's `enum`: Python's `in`, except that True/False never equal 1/0. */
function enumContains(options: readonly unknown[], instance: unknown): boolean {
  if (instance === 0 || instance === 1 || typeof instance === 'boolean') {
    return options.some((option) =>
      typeof instance === 'boolean' || typeof option === 'boolean'
        ? option === instance
        : pythonEqual(instance, option),
    );
  }
  return options.some((option) => pythonEqual(instance, option));
}

/** Python's `==` on JSON values (True == 1 included). */
function pythonEqual(a: unknown, b: unknown): boolean {
  const numeric = (value: unknown) => typeof value === 'number' || typeof value === 'boolean';
  if (numeric(a) && numeric(b)) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => pythonEqual(item, b[index]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && pythonEqual(a[key], b[key]))
    );
  }
  return a === b;
}

/** jsonschema's `equal`: like Python's `==`, but booleans only equal booleans, at every depth. */
function jsonschemaEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonschemaEqual(item, b[index]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && jsonschemaEqual(a[key], b[key]))
    );
  }
  return a === b;
}

function allUnique(items: readonly unknown[]): boolean {
  return items.every((item, index) =>
    items.slice(0, index).every((earlier) => !jsonschemaEqual(earlier, item)),
  );
}

const compiledPatterns = new Map<string, RegExp>();

/**
 * Python's `re.search(pattern, text)` for the patterns Glance's schemas use. Two differences with
 * JavaScript matter there: Python's `$` also matches before a final newline, and `\d` / `\s` are
 * Unicode-wide. Constructs whose meaning differs further are refused.
 */
export function pythonRegexSearch(pattern: string, text: string): boolean {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    compiled = new RegExp(translatePythonPattern(pattern), 'u');
    compiledPatterns.set(pattern, compiled);
  }
  return compiled.test(text);
}

function translatePythonPattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1];
      i += 1;
      if ('wWbBAZ'.includes(next)) throw new Error(`Python regex escape \\${next} is not supported`);
      if (next === 'd') out += inClass ? '\\p{Nd}' : '[\\p{Nd}]';
      else if (next === 's') out += inClass ? PYTHON_WHITESPACE_CLASS : `[${PYTHON_WHITESPACE_CLASS}]`;
      else out += `\\${next}`;
    } else if (inClass) {
      if (char === ']') inClass = false;
      out += char;
    } else if (char === '[') {
      inClass = true;
      out += char;
      // A ']' right after '[' or '[^' is a literal in Python.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i += 1;
      }
    } else if (char === '$') {
      out += '(?=\\n?$)';
    } else if (char === '(' && pattern[i + 1] === '?' && pattern[i + 2] === 'P') {
      throw new Error('Python named groups are not supported');
    } else {
      out += char;
    }
  }
  return out;
}

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
