/**
 * The Python objects this library renders and compares, and how JavaScript values stand for them.
 *
 * Python keeps two distinctions JavaScript loses: `1.0` is a float (printed "1.0") while `1` is an
 * int, ints have no size limit, and a dict keeps its insertion order even for keys such as "10"
 * that a JavaScript object moves to the front. `json.loads` here (json.ts) keeps them with PyFloat,
 * bigint and PyDict. Plain JavaScript data is read the way it crosses JSON:
 *
 * | JavaScript                                  | Python                                    |
 * | ------------------------------------------- | ----------------------------------------- |
 * | null                                        | None                                      |
 * | boolean, string                             | bool, str                                 |
 * | bigint; a number integral and below 1e21    | int (its exact value)                     |
 * | any other number; PyFloat                   | float                                     |
 * | array                                       | list                                      |
 * | PyDict (any Map); any other object          | dict, in the Map's or the object's order  |
 *
 * `undefined` depends on the reader (PyReadOptions): by default it is JSON's "absent" (a dict
 * member whose value is undefined is not there, and an undefined value elsewhere is refused), while
 * the CLI's printers read it leniently as None.
 */

/** A number Python holds as a float (its JSON lexeme had a fraction or an exponent). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python dict with string keys, in insertion order. */
export class PyDict extends Map<string, PyValue> {}

export type PyValue = null | boolean | string | number | bigint | PyFloat | PyValue[] | PyDict;

/** Thrown for a value that has no Python counterpart (undefined, a function, a symbol...). */
export class UnrepresentableValueError extends Error {}

export interface PyReadOptions {
  /**
   * Read `undefined` as None wherever it appears (a dict member included), and print any object
   * Python has no counterpart for as the repr of its `String()`: how the CLI's printers read their
   * cells, where a missing value is None. Default false: JSON's reading (see above).
   */
  readonly lenient?: boolean;
}

/** A PyDict or a plain object: what Python sees as a dict. */
export function isDictLike(value: unknown): value is PyDict | Record<string, unknown> {
  return (
    value instanceof Map ||
    (typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      !(value instanceof PyFloat) &&
      !Buffer.isBuffer(value))
  );
}

/**
 * The (key, value) pairs of a dict, in order. Unless `lenient`, a plain object's members whose
 * value is undefined are left out, as JSON.stringify leaves them out.
 */
export function dictEntries(
  value: PyDict | Readonly<Record<string, unknown>>,
  options: PyReadOptions = {},
): [string, unknown][] {
  const entries: [string, unknown][] = [];
  forEachDictEntry(value, options, (key, item) => entries.push([key, item]));
  return entries;
}

/** dictEntries without building the list: `visit` sees each pair in order (json.dumps's hot path). */
export function forEachDictEntry(
  value: PyDict | Readonly<Record<string, unknown>>,
  options: PyReadOptions,
  visit: (key: string, item: unknown) => void,
): void {
  if (value instanceof Map) {
    for (const [key, item] of value) visit(key, item);
    return;
  }
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item !== undefined || options.lenient) visit(key, item);
  }
}

/**
 * `dict[key] = value` on a plain object, whatever the key: an own, enumerable property, added last
 * or kept in place, as a Python dict keeps its keys. Only `__proto__` needs defining (an assignment
 * would set the prototype); every other key is assigned, which keeps V8's fast objects (defining
 * every key made them dictionaries: 8 % of a listing's CPU).
 */
export function dictSet<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/** `key in dict`. */
export function dictHas(value: PyDict | Readonly<Record<string, unknown>>, key: string): boolean {
  return value instanceof Map ? value.has(key) : Object.hasOwn(value, key);
}

/** `dict[key]`, undefined when absent. */
export function dictGet(value: PyDict | Readonly<Record<string, unknown>>, key: string): unknown {
  if (value instanceof Map) return value.get(key);
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

/** The keys of a dict, in order. */
export function dictKeys(value: PyDict | Readonly<Record<string, unknown>>): string[] {
  return value instanceof Map ? [...value.keys()] : Object.keys(value);
}

/** Whether Python holds this number as an int (JavaScript numbers: integral and below 1e21). */
export function isPyInt(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && isIntegralNumber(value));
}

/** An integral JavaScript number JSON writes as digits: Python reads it as an int. */
export function isIntegralNumber(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 1e21;
}

/** The numeric value of an int or a float (bool excluded), or undefined for anything else. */
export function pyNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof PyFloat) return value.value;
  return undefined;
}

/** Python's `bool(value)`: None, False, zero (NaN is true), '' and empty containers are false. */
export function pyTruthy(value: unknown): boolean {
  if (value instanceof PyFloat) return value.value !== 0;
  if (typeof value === 'number') return value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (isDictLike(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** `type(value).__name__` for the values above. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (value instanceof PyFloat) return 'float';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return isIntegralNumber(value) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'object':
      return isDictLike(value) ? 'dict' : 'object';
    default:
      return typeof value;
  }
}
