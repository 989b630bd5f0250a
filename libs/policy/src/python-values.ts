/**
 * How Python's `str()`, `repr()` and `ascii()` render the JSON-shaped values that reach policy
 * checks. oslo.policy compares strings: a generic check `True:%(is_public)s` is true when the
 * target's `is_public` renders as "True", a credential `20` matches `"20"`, and a list renders as
 * `['a', 'b']`. Matching oslo.policy therefore means rendering exactly as CPython does.
 *
 * JavaScript numbers map to Python the way they cross JSON: an integer below 1e21 (which
 * JSON.stringify writes as digits) is a Python int, anything else a Python float. Object keys keep
 * JavaScript's order, which differs from Python's insertion order only for integer-like keys.
 */

/** Thrown for a value Python could not have received from JSON (a function, a symbol, ...). */
export class UnrenderableValueError extends Error {}

export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

export function pythonRepr(value: unknown): string {
  return render(value, false);
}

/** Python's `ascii()`: `repr()` with every non-ASCII character escaped. */
export function pythonAscii(value: unknown): string {
  return render(value, true);
}

function render(value: unknown, asciiOnly: boolean): string {
  switch (typeof value) {
    case 'string':
      return quoteString(value, asciiOnly);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return pythonNumberStr(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'None';
      if (Array.isArray(value)) return `[${value.map((item) => render(item, asciiOnly)).join(', ')}]`;
      const parts: string[] = [];
      for (const [key, item] of Object.entries(value)) {
        if (item !== undefined) parts.push(`${quoteString(key, asciiOnly)}: ${render(item, asciiOnly)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      throw new UnrenderableValueError(`a ${typeof value} has no Python rendering`);
  }
}

function pythonNumberStr(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return Object.is(value, -0) ? '0' : String(value);
  return pythonFloatRepr(value);
}

/**
 * CPython's `repr(float)`: the shortest round-tripping digits (which is also what JavaScript
 * produces), laid out in positional notation when the decimal exponent is in [-4, 16), otherwise
 * as `d.ddde±XX` with at least two exponent digits; integral values keep a trailing `.0`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
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
  const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
}

// Python's str.isprintable() is false for these general categories (the space character excepted).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** CPython's unicode_repr: single quotes unless the text has a ' and no ". */
function quoteString(text: string, asciiOnly: boolean): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f) out += char;
    else if (!asciiOnly && (code === 0x20 || !NON_PRINTABLE.test(char))) out += char;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}
