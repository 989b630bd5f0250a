import { pformat } from './pprint';
import { pyRegexSearch } from './re';
import { pyRepr } from './repr';
import { comparePyStr, pyLen } from './text';
import { dictGet, dictHas, dictKeys, isDictLike, isPyInt, PyFloat, pyNumber } from './values';

/**
 * JSON Schema validation as Python's jsonschema 4.10 does it (Draft 2020-12 semantics, for a
 * schema that names no draft), with its messages: the errors `iter_errors` yields, the one
 * `best_match` picks (what `jsonschema.validate` raises), and `str(error)` — the one-line message
 * followed by "Failed validating ..." with the pretty-printed subschema and "On instance[...]" with
 * the offending value. Instances are the values of values.ts (plain JSON or json.loads' PyValue).
 *
 * Only the keywords image schemas use (and a few neighbours) are implemented: type, enum, const,
 * min/maxLength, pattern, (exclusive) minimum/maximum, min/maxItems, uniqueItems, items,
 * properties, additionalProperties, required, and the annotations. What else a schema holds is
 * refused or ignored, as the caller chooses (SchemaValidationOptions).
 *
 * Where Python itself is not deterministic — jsonschema visits the additional properties of an
 * object in `set` order, which changes with the interpreter's hash seed — this takes the instance's
 * key order.
 */

export type JsonSchema = Readonly<Record<string, unknown>>;
export type SchemaPathItem = string | number;

export interface SchemaValidationError {
  /** jsonschema's `error.message`, e.g. `5 is not of type 'string'`. */
  readonly message: string;
  /** The failing keyword (`type`, `enum`, `maxLength`...). */
  readonly validator: string;
  /** Where in the instance, outermost first (`['tags', 0]`). */
  readonly path: readonly SchemaPathItem[];
  /** Where in the schema, outermost first, ending with the keyword. */
  readonly schemaPath: readonly SchemaPathItem[];
  /** The subschema holding the keyword. */
  readonly schema: JsonSchema;
  /** The value that failed. */
  readonly instance: unknown;
}

export interface SchemaValidationOptions {
  /**
   * A keyword this engine does not implement, a type name it does not know, or a pattern it cannot
   * read as Python does: `'refuse'` (the default) throws, so that nothing is half-checked;
   * `'ignore'` skips that check, for a client that leaves the last word to the server.
   */
  readonly unsupported?: 'refuse' | 'ignore';
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
export function iterSchemaErrors(
  instance: unknown,
  schema: JsonSchema,
  options: SchemaValidationOptions = {},
): SchemaValidationError[] {
  const errors: SchemaValidationError[] = [];
  new Validator(options.unsupported === 'ignore').collect(instance, schema, [], [], errors);
  return errors;
}

/** The error `jsonschema.validate` raises (best_match), or undefined when the instance is valid. */
export function findSchemaError(
  instance: unknown,
  schema: JsonSchema,
  options: SchemaValidationOptions = {},
): SchemaValidationError | undefined {
  return bestMatch(iterSchemaErrors(instance, schema, options));
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
  return types.some((type) => isType(error.instance, String(type)) ?? true);
}

/** `str(error)` of jsonschema 4.x: the message, the failing subschema and the failing value. */
export function describeValidationError(error: SchemaValidationError): string {
  const schemaPath = formatAsIndex('schema', error.schemaPath.slice(0, -1));
  const instancePath = formatAsIndex('instance', error.path);
  return (
    `${error.message}\n\n` +
    `Failed validating ${pyRepr(error.validator)} in ${schemaPath}:\n` +
    `    ${indentFollowingLines(pformat(error.schema, 72))}\n\n` +
    `On ${instancePath}:\n` +
    `    ${indentFollowingLines(pformat(error.instance, 72))}`
  );
}

function formatAsIndex(container: string, indices: readonly SchemaPathItem[]): string {
  return indices.length === 0
    ? container
    : `${container}[${indices.map((index) => pyRepr(index)).join('][')}]`;
}

// textwrap.indent() then dedent() leave four spaces before every line after the first.
function indentFollowingLines(text: string): string {
  return text.split('\n').join('\n    ');
}

/** jsonschema's type checker; undefined for a type name it does not know. */
function isType(instance: unknown, type: string): boolean | undefined {
  switch (type) {
    case 'null':
      return instance === null || instance === undefined;
    case 'boolean':
      return typeof instance === 'boolean';
    case 'string':
      return typeof instance === 'string';
    // Draft 6 onwards an integral float is an integer (1.0, and 1e300, which JSON cannot tell apart).
    case 'integer':
      return (
        isPyInt(instance) ||
        (typeof instance === 'number' && Number.isInteger(instance)) ||
        (instance instanceof PyFloat && Number.isInteger(instance.value))
      );
    case 'number':
      return pyNumber(instance) !== undefined;
    case 'array':
      return Array.isArray(instance);
    case 'object':
      return isDictLike(instance);
    default:
      return undefined;
  }
}

class Validator {
  constructor(private readonly ignoreUnsupported: boolean) {}

  private unsupported(message: string): void {
    if (!this.ignoreUnsupported) throw new Error(message);
  }

  collect(
    instance: unknown,
    schema: JsonSchema,
    path: readonly SchemaPathItem[],
    schemaPath: readonly SchemaPathItem[],
    errors: SchemaValidationError[],
  ): void {
    const fail = (validator: string, message: string) =>
      errors.push({ message, validator, path, schemaPath: [...schemaPath, validator], schema, instance });
    const descend = (
      value: unknown,
      subschema: unknown,
      at: SchemaPathItem[],
      schemaAt: SchemaPathItem[],
    ) => {
      if (subschema === true) return;
      if (!isDictLike(subschema) || subschema instanceof Map) {
        this.unsupported('only object and true subschemas are supported');
        return;
      }
      this.collect(value, subschema, [...path, ...at], [...schemaPath, ...schemaAt], errors);
    };
    const repr = (value: unknown) => pyRepr(value);

    for (const [keyword, expected] of Object.entries(schema)) {
      if (ANNOTATIONS.has(keyword)) continue;
      switch (keyword) {
        case 'type': {
          const types = (Array.isArray(expected) ? expected : [expected]).map(String);
          const matches = types.map((type) => isType(instance, type));
          if (matches.includes(undefined)) {
            this.unsupported(`unknown JSON Schema type in ${repr(expected)}`);
            break;
          }
          if (!matches.includes(true)) {
            fail(keyword, `${repr(instance)} is not of type ${types.map((type) => repr(type)).join(', ')}`);
          }
          break;
        }
        case 'enum':
          if (Array.isArray(expected) && !enumContains(expected, instance)) {
            fail(keyword, `${repr(instance)} is not one of ${repr(expected)}`);
          }
          break;
        case 'const':
          if (!jsonschemaEqual(instance, expected)) fail(keyword, `${repr(expected)} was expected`);
          break;
        case 'minLength':
          if (typeof instance === 'string' && pyLen(instance) < (expected as number)) {
            fail(keyword, `${repr(instance)} is too short`);
          }
          break;
        case 'maxLength':
          if (typeof instance === 'string' && pyLen(instance) > (expected as number)) {
            fail(keyword, `${repr(instance)} is too long`);
          }
          break;
        case 'pattern':
          if (typeof instance === 'string') {
            let found: boolean;
            try {
              found = pyRegexSearch(expected as string, instance);
            } catch (error) {
              if (!this.ignoreUnsupported) throw error;
              break;
            }
            if (!found) fail(keyword, `${repr(instance)} does not match ${repr(expected)}`);
          }
          break;
        case 'minimum':
        case 'maximum':
        case 'exclusiveMinimum':
        case 'exclusiveMaximum': {
          const value = pyNumber(instance);
          const bound = pyNumber(expected);
          if (value === undefined || bound === undefined) break;
          const message = BOUNDS[keyword];
          if (message.fails(value, bound)) {
            fail(keyword, `${repr(instance)} is ${message.text} of ${repr(expected)}`);
          }
          break;
        }
        case 'minItems':
          if (Array.isArray(instance) && instance.length < (expected as number)) {
            fail(keyword, `${repr(instance)} is too short`);
          }
          break;
        case 'maxItems':
          if (Array.isArray(instance) && instance.length > (expected as number)) {
            fail(keyword, `${repr(instance)} is too long`);
          }
          break;
        case 'uniqueItems':
          if (expected && Array.isArray(instance) && !allUnique(instance)) {
            fail(keyword, `${repr(instance)} has non-unique elements`);
          }
          break;
        case 'items':
          if (Array.isArray(instance)) {
            instance.forEach((item, index) => descend(item, expected, [index], [keyword]));
          }
          break;
        case 'properties':
          if (isDictLike(instance) && isDictLike(expected)) {
            for (const name of dictKeys(expected)) {
              if (dictHas(instance, name)) {
                descend(dictGet(instance, name), dictGet(expected, name), [name], [keyword, name]);
              }
            }
          }
          break;
        case 'additionalProperties':
          if (isDictLike(instance)) {
            const declared = schema.properties;
            const extras = dictKeys(instance).filter(
              (name) => !(isDictLike(declared) && dictHas(declared, name)),
            );
            if (expected === false) {
              if (extras.length === 0) break;
              const sorted = [...extras].sort(comparePyStr);
              const names = sorted.map((name) => repr(name)).join(', ');
              fail(
                keyword,
                `Additional properties are not allowed (${names} ${sorted.length === 1 ? 'was' : 'were'} unexpected)`,
              );
            } else if (expected !== true) {
              for (const name of extras) descend(dictGet(instance, name), expected, [name], [keyword]);
            }
          }
          break;
        case 'required':
          if (isDictLike(instance) && Array.isArray(expected)) {
            for (const name of expected as string[]) {
              if (!dictHas(instance, name)) fail(keyword, `${repr(name)} is a required property`);
            }
          }
          break;
        default:
          this.unsupported(`JSON Schema keyword ${keyword} is not supported by this validator`);
      }
    }
  }
}

const BOUNDS = {
  minimum: { text: 'less than the minimum', fails: (value: number, bound: number) => value < bound },
  maximum: { text: 'greater than the maximum', fails: (value: number, bound: number) => value > bound },
  exclusiveMinimum: {
    text: 'less than or equal to the minimum',
    fails: (value: number, bound: number) => value <= bound,
  },
  exclusiveMaximum: {
    text: 'greater than or equal to the maximum',
    fails: (value: number, bound: number) => value >= bound,
  },
} as const;

/** Python's `==` on two numbers (bool included as 0 / 1): ints exactly, floats by value. */
function numbersEqual(a: unknown, b: unknown): boolean {
  const exact = (value: unknown) =>
    typeof value === 'boolean' ? BigInt(value) : isPyInt(value) ? BigInt(value) : undefined;
  const [x, y] = [exact(a), exact(b)];
  if (x !== undefined && y !== undefined) return x === y;
  return Number(pyNumber(a) ?? a) === Number(pyNumber(b) ?? b);
}

function isNumeric(value: unknown, withBooleans: boolean): boolean {
  return pyNumber(value) !== undefined || (withBooleans && typeof value === 'boolean');
}

/** jsonschema's `enum`: Python's `in`, except that True/False never equal 1/0. */
function enumContains(options: readonly unknown[], instance: unknown): boolean {
  const zeroOrOne = typeof instance === 'boolean' || pyNumber(instance) === 0 || pyNumber(instance) === 1;
  if (zeroOrOne) {
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
  if (isNumeric(a, true) && isNumeric(b, true)) return numbersEqual(a, b);
  return structurallyEqual(a, b, pythonEqual);
}

/** jsonschema's `equal`: like Python's `==`, but booleans only equal booleans, at every depth. */
function jsonschemaEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (isNumeric(a, false) && isNumeric(b, false)) return numbersEqual(a, b);
  return structurallyEqual(a, b, jsonschemaEqual);
}

function structurallyEqual(a: unknown, b: unknown, equal: (x: unknown, y: unknown) => boolean): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  }
  if (isDictLike(a) && isDictLike(b)) {
    const keys = dictKeys(a);
    return (
      keys.length === dictKeys(b).length &&
      keys.every((key) => dictHas(b, key) && equal(dictGet(a, key), dictGet(b, key)))
    );
  }
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  return a === b;
}

function allUnique(items: readonly unknown[]): boolean {
  return items.every((item, index) =>
    items.slice(0, index).every((earlier) => !jsonschemaEqual(earlier, item)),
  );
}
