// The Python object model that glanceclient's output goes through, reduced to what JSON can carry.
// JavaScript loses two distinctions Python keeps and prints: 1.0 is a float (printed "1.0") while
// 1 is an int, and ints have no size limit. Dict key order is insertion order even for keys such
// as "10" that a JavaScript object would move to the front.

/** A number Python parsed as a float (its JSON lexeme had a fraction or an exponent). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python dict with string keys, in insertion order. */
export class PyDict extends Map<string, PyValue> {}

export type PyValue = null | boolean | string | number | bigint | PyFloat | PyValue[] | PyDict;

/** Anything the printers accept: Python-faithful values or plain JavaScript data. */
export type PrintableValue = PyValue | undefined | readonly unknown[] | { readonly [key: string]: unknown };

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

/** The (key, value) pairs of a PyDict or a plain object, in order. */
export function dictEntries(value: PyDict | Record<string, unknown>): [string, unknown][] {
  return value instanceof Map ? [...value.entries()] : Object.entries(value);
}

/** Python's repr(float): shortest round-trip digits, exponent form outside 1e-4 <= |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument yields the shortest digits that round-trip, like Python.
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const significand = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${significand}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** Python's repr(int) for a JavaScript number known to be integral. */
export function pyIntRepr(x: number | bigint): string {
  return typeof x === 'bigint' ? x.toString() : BigInt(x).toString();
}

/** How Python prints a number: integral JavaScript numbers are ints, others floats. */
function pyNumberRepr(x: number): string {
  return Number.isInteger(x) ? pyIntRepr(x) : pyFloatRepr(x);
}

// Python's str.isprintable() is false for these categories (the ASCII space aside, handled above).
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's repr(str): single quotes unless the text has ' and no ". */
export function pyStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x7f || !NOT_PRINTABLE.test(char)) out += char;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** Python's repr() of a JSON-shaped value. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pyStrRepr(value);
  if (typeof value === 'number') return pyNumberRepr(value);
  if (typeof value === 'bigint') return pyIntRepr(value);
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isDictLike(value)) {
    return `{${dictEntries(value)
      .map(([key, item]) => `${pyStrRepr(key)}: ${pyRepr(item)}`)
      .join(', ')}}`;
  }
  return pyStrRepr(String(value));
}

/** Python's bool(value): None, False, zero (NaN is true), '' and empty containers are false. */
export function pyTruthy(value: unknown): boolean {
  if (value instanceof PyFloat) return value.value !== 0;
  if (typeof value === 'number') return value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (isDictLike(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Python's str(): strings as they are, everything else as repr(). */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python's `<` on two str: code point order (JavaScript compares UTF-16 units). */
export function comparePyStr(a: string, b: string): number {
  if (a === b) return 0;
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const l = left.next();
    const r = right.next();
    if (l.done) return r.done ? 0 : -1;
    if (r.done) return 1;
    const diff = l.value.codePointAt(0)! - r.value.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
}
