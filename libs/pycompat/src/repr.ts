import { comparePyStr } from './text';
import {
  dictEntries,
  isDictLike,
  isIntegralNumber,
  PyFloat,
  type PyReadOptions,
  UnrepresentableValueError,
} from './values';

/**
 * CPython's `repr()`, `str()` and `ascii()` for the values of values.ts (JSON-shaped data, PyFloat,
 * bigint, PyDict): what Python prints in messages (`'x' is too long`, `None is not of type
 * 'string'`), what `%s` formatting compares, and what tables show.
 */

export function pyRepr(value: unknown, options: PyReadOptions = {}): string {
  return render(value, { ...options, asciiOnly: false, sortDicts: false });
}

/** `str(value)`: the text itself for a string, `repr()` otherwise. */
export function pyStr(value: unknown, options: PyReadOptions = {}): string {
  return typeof value === 'string' ? value : pyRepr(value, options);
}

/** `ascii(value)`: `repr()` with every non-ASCII character escaped. */
export function pyAscii(value: unknown, options: PyReadOptions = {}): string {
  return render(value, { ...options, asciiOnly: true, sortDicts: false });
}

export interface RenderOptions extends PyReadOptions {
  readonly asciiOnly: boolean;
  /** pprint's `_safe_repr` with sort_dicts=True: dict keys in order. */
  readonly sortDicts: boolean;
}

/** repr() with the knobs pprint needs. */
export function render(value: unknown, options: RenderOptions): string {
  switch (typeof value) {
    case 'string':
      return quote(value, options.asciiOnly);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return isIntegralNumber(value) ? pyIntRepr(value) : pyFloatRepr(value);
    case 'bigint':
      return pyIntRepr(value);
    case 'undefined':
      if (options.lenient) return 'None';
      break;
    case 'object': {
      if (value === null) return 'None';
      if (value instanceof PyFloat) return pyFloatRepr(value.value);
      if (Array.isArray(value)) return `[${value.map((item) => render(item, options)).join(', ')}]`;
      if (isDictLike(value)) {
        const entries = dictEntries(value, options);
        if (options.sortDicts) entries.sort(([a], [b]) => comparePyStr(a, b));
        const items = entries.map(
          ([key, item]) => `${quote(key, options.asciiOnly)}: ${render(item, options)}`,
        );
        return `{${items.join(', ')}}`;
      }
      break;
    }
  }
  if (options.lenient) return quote(String(value), options.asciiOnly);
  throw new UnrepresentableValueError(`a ${typeof value} has no Python representation`);
}

/** `repr(int)` of a bigint or of an integral number (its exact value; no negative zero). */
export function pyIntRepr(value: number | bigint): string {
  return BigInt(value).toString();
}

/**
 * CPython's `repr(float)`: the shortest round-tripping digits (JavaScript finds the same ones),
 * positional when the decimal exponent is in [-4, 16), otherwise `d.ddde±XX`; integral values keep
 * a trailing `.0`.
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  if (value === 0) return `${sign}0.0`;
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const pointPosition = Number(exponentText) + 1;
  if (pointPosition > -4 && pointPosition <= 16) {
    if (pointPosition <= 0) return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
    if (pointPosition >= digits.length)
      return `${sign}${digits}${'0'.repeat(pointPosition - digits.length)}.0`;
    return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
  }
  const exponent = pointPosition - 1;
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

// str.isprintable() is false for these categories (the ASCII space excepted). JavaScript's Unicode
// tables are newer than CPython 3.11's (14.0): a character assigned since then is printed as is
// here, escaped by CPython.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** `repr(str)`: CPython's unicode_repr, single quotes unless the text has a ' and no ". */
export function pyStrRepr(text: string): string {
  return quote(text, false);
}

/** unicode_repr, or with `asciiOnly` what `ascii()` writes. */
function quote(text: string, asciiOnly: boolean): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f || (!asciiOnly && !NON_PRINTABLE.test(char))) out += char;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}
