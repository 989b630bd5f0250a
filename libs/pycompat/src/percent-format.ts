import { pyAscii, pyRepr, pyStr } from './repr';

/**
 * Python's printf-style formatting with a mapping, `format % mapping`: compiled once, applied per
 * mapping, with CPython's left-to-right behaviour. Its outcomes are told apart because callers
 * (oslo.policy) treat them differently:
 *
 * - a `%(key)s` whose key is missing from the mapping (undefined counts as missing) raises
 *   KeyError: MISSING_KEY here;
 * - any other formatting error (`%(key`, `%q`, a second unkeyed `%s`, ...) raises: a thrown
 *   PercentFormatError here;
 * - the first of these reached, scanning left to right, decides.
 *
 * Supported conversions are `s`, `r` and `a` with flags, width and precision. The numeric and `c`
 * conversions (`%(size)d`) are valid Python but not reproduced: they compile to an error, reported
 * as the format's `problem` so that a caller can refuse them up front.
 */

/** The outcome of applying a format whose `%(key)s` names a key the mapping lacks (KeyError). */
export const MISSING_KEY: unique symbol = Symbol('missing key');

export class PercentFormatError extends Error {}

interface LiteralSegment {
  readonly kind: 'literal';
  readonly text: string;
}

interface FieldSegment {
  readonly kind: 'field';
  /** `%(key)...`; absent for an unkeyed `%s`, which Python formats with the whole mapping. */
  readonly key?: string;
  readonly conversion: 's' | 'r' | 'a';
  readonly leftJustify: boolean;
  readonly width: number;
  readonly precision: number;
}

interface ErrorSegment {
  readonly kind: 'error';
  /** CPython looks a key up before it discovers what is wrong with the rest of the field. */
  readonly key?: string;
  readonly message: string;
}

type Segment = LiteralSegment | FieldSegment | ErrorSegment;

export interface CompiledPercentFormat {
  /** The format itself when it has no `%` at all: applying it is the identity. */
  readonly constant?: string;
  readonly segments: readonly Segment[];
  /** Why this format can never be applied (its first error). */
  readonly problem?: string;
}

const VALID_PYTHON_CONVERSIONS = 'sradiuoxXeEfFgGc';

export function compilePercentFormat(format: string): CompiledPercentFormat {
  if (!format.includes('%')) return { constant: format, segments: [] };
  const segments: Segment[] = [];
  let literal = '';
  // Python hands the mapping itself to the first unkeyed field; after that, and after any keyed
  // field, there is nothing left for an unkeyed one ("not enough arguments").
  let mappingAvailable = true;
  let pos = 0;
  const flushLiteral = () => {
    if (literal) segments.push({ kind: 'literal', text: literal });
    literal = '';
  };
  const fail = (message: string, key?: string): CompiledPercentFormat => {
    flushLiteral();
    segments.push({ kind: 'error', key, message });
    return { segments, problem: message };
  };

  while (pos < format.length) {
    const percent = format.indexOf('%', pos);
    if (percent < 0) {
      literal += format.slice(pos);
      break;
    }
    literal += format.slice(pos, percent);
    pos = percent + 1;
    if (pos >= format.length) return fail('incomplete format');
    if (format[pos] === '%') {
      literal += '%';
      pos += 1;
      continue;
    }

    let key: string | undefined;
    if (format[pos] === '(') {
      let depth = 1;
      let cursor = pos + 1;
      while (cursor < format.length && depth > 0) {
        if (format[cursor] === ')') depth -= 1;
        else if (format[cursor] === '(') depth += 1;
        cursor += 1;
      }
      if (depth > 0) return fail('incomplete format key');
      key = format.slice(pos + 1, cursor - 1);
      pos = cursor;
    }

    let leftJustify = false;
    while (pos < format.length && '-+ #0'.includes(format[pos])) {
      if (format[pos] === '-') leftJustify = true;
      pos += 1;
    }
    let width = -1;
    if (format[pos] === '*') return fail('* width is not supported with a mapping', key);
    if (isDigit(format[pos])) {
      width = 0;
      while (isDigit(format[pos])) width = width * 10 + Number(format[pos++]);
    }
    let precision = -1;
    if (format[pos] === '.') {
      pos += 1;
      if (format[pos] === '*') return fail('* precision is not supported with a mapping', key);
      precision = 0;
      while (isDigit(format[pos])) precision = precision * 10 + Number(format[pos++]);
    }
    if (width > 100_000 || precision > 100_000) return fail('width or precision too big', key);
    if (pos < format.length && 'hlL'.includes(format[pos])) pos += 1;
    if (pos >= format.length) return fail('incomplete format', key);

    const conversion = format[pos];
    pos += 1;
    if (key === undefined) {
      if (!mappingAvailable) return fail('not enough arguments for format string');
    }
    mappingAvailable = false;
    if (conversion !== 's' && conversion !== 'r' && conversion !== 'a') {
      const message = VALID_PYTHON_CONVERSIONS.includes(conversion)
        ? `the %${conversion} conversion is not supported (use %s)`
        : `unsupported format character ${JSON.stringify(conversion)}`;
      return fail(message, key);
    }
    flushLiteral();
    segments.push({ kind: 'field', key, conversion, leftJustify, width, precision });
  }
  flushLiteral();
  return { segments };
}

/**
 * `format % mapping`: the formatted string, MISSING_KEY, or a thrown PercentFormatError for any other
 * formatting error.
 */
export function applyPercentFormat(
  compiled: CompiledPercentFormat,
  mapping: Readonly<Record<string, unknown>>,
): string | typeof MISSING_KEY {
  if (compiled.constant !== undefined) return compiled.constant;
  let out = '';
  for (const segment of compiled.segments) {
    if (segment.kind === 'literal') {
      out += segment.text;
      continue;
    }
    let value: unknown = mapping;
    if (segment.key !== undefined) {
      value = Object.hasOwn(mapping, segment.key) ? mapping[segment.key] : undefined;
      if (value === undefined) return MISSING_KEY;
    }
    if (segment.kind === 'error') throw new PercentFormatError(segment.message);
    out += formatField(segment, value);
  }
  return out;
}

function formatField(field: FieldSegment, value: unknown): string {
  let text =
    field.conversion === 's' ? pyStr(value) : field.conversion === 'r' ? pyRepr(value) : pyAscii(value);
  if (field.precision < 0 && field.width < 0) return text;
  // Python counts code points, not UTF-16 units.
  let chars = Array.from(text);
  if (field.precision >= 0 && chars.length > field.precision) chars = chars.slice(0, field.precision);
  text = chars.join('');
  const padding = field.width > chars.length ? ' '.repeat(field.width - chars.length) : '';
  return field.leftJustify ? text + padding : padding + text;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}
