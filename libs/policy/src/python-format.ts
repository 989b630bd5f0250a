import { pythonAscii, pythonRepr, pythonStr } from './python-values';

/**
 * The right-hand side of a check is applied as `match % target` (Python %-formatting with the
 * target dict). This module compiles a match once and applies it per request, reproducing
 * CPython's left-to-right behaviour, because oslo.policy treats its outcomes differently:
 *
 * - a `%(key)s` whose key is missing from the target raises KeyError, which the check turns into
 *   False;
 * - any other formatting error (`%(key`, `%q`, a second unkeyed `%s`, ...) is not caught by
 *   oslo.policy and fails the whole enforcement;
 * - the first of these reached, scanning left to right, decides.
 *
 * Supported conversions are `s`, `r` and `a` with flags, width and precision. The numeric and `c`
 * conversions (`%(size)d`) are valid Python but deliberately not reproduced: they compile to an
 * error (the check fails closed) and a policy file using them is refused at load time.
 */

/** The outcome of applying a match whose `%(key)s` names a key the target lacks. */
export const MISSING_TARGET_KEY: unique symbol = Symbol('missing target key');

export class FormatError extends Error {}

interface LiteralSegment {
  readonly kind: 'literal';
  readonly text: string;
}

interface FieldSegment {
  readonly kind: 'field';
  /** `%(key)...`; absent for an unkeyed `%s`, which Python formats with the whole target. */
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

export interface CompiledMatch {
  /** The match itself when it has no `%` at all: applying it is the identity. */
  readonly constant?: string;
  readonly segments: readonly Segment[];
  /** Why this match can never be formatted (its first error), for load-time validation. */
  readonly problem?: string;
}

const VALID_PYTHON_CONVERSIONS = 'sradiuoxXeEfFgGc';

export function compileMatch(match: string): CompiledMatch {
  if (!match.includes('%')) return { constant: match, segments: [] };
  const segments: Segment[] = [];
  let literal = '';
  // Python hands the target itself to the first unkeyed field; after that, and after any keyed
  // field, there is nothing left for an unkeyed one ("not enough arguments").
  let targetAvailable = true;
  let pos = 0;
  const flushLiteral = () => {
    if (literal) segments.push({ kind: 'literal', text: literal });
    literal = '';
  };
  const fail = (message: string, key?: string): CompiledMatch => {
    flushLiteral();
    segments.push({ kind: 'error', key, message });
    return { segments, problem: message };
  };

  while (pos < match.length) {
    const percent = match.indexOf('%', pos);
    if (percent < 0) {
      literal += match.slice(pos);
      break;
    }
    literal += match.slice(pos, percent);
    pos = percent + 1;
    if (pos >= match.length) return fail('incomplete format');
    if (match[pos] === '%') {
      literal += '%';
      pos += 1;
      continue;
    }

    let key: string | undefined;
    if (match[pos] === '(') {
      let depth = 1;
      let cursor = pos + 1;
      while (cursor < match.length && depth > 0) {
        if (match[cursor] === ')') depth -= 1;
        else if (match[cursor] === '(') depth += 1;
        cursor += 1;
      }
      if (depth > 0) return fail('incomplete format key');
      key = match.slice(pos + 1, cursor - 1);
      pos = cursor;
    }

    let leftJustify = false;
    while (pos < match.length && '-+ #0'.includes(match[pos])) {
      if (match[pos] === '-') leftJustify = true;
      pos += 1;
    }
    let width = -1;
    if (match[pos] === '*') return fail('* width is not supported with a mapping', key);
    if (isDigit(match[pos])) {
      width = 0;
      while (isDigit(match[pos])) width = width * 10 + Number(match[pos++]);
    }
    let precision = -1;
    if (match[pos] === '.') {
      pos += 1;
      if (match[pos] === '*') return fail('* precision is not supported with a mapping', key);
      precision = 0;
      while (isDigit(match[pos])) precision = precision * 10 + Number(match[pos++]);
    }
    if (width > 100_000 || precision > 100_000) return fail('width or precision too big', key);
    if (pos < match.length && 'hlL'.includes(match[pos])) pos += 1;
    if (pos >= match.length) return fail('incomplete format', key);

    const conversion = match[pos];
    pos += 1;
    if (key === undefined) {
      if (!targetAvailable) return fail('not enough arguments for format string');
    }
    targetAvailable = false;
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
 * `match % target`: the formatted string, MISSING_TARGET_KEY, or a thrown FormatError for the
 * errors oslo.policy lets escape.
 */
export function applyMatch(
  compiled: CompiledMatch,
  target: Readonly<Record<string, unknown>>,
): string | typeof MISSING_TARGET_KEY {
  if (compiled.constant !== undefined) return compiled.constant;
  let out = '';
  for (const segment of compiled.segments) {
    if (segment.kind === 'literal') {
      out += segment.text;
      continue;
    }
    let value: unknown = target;
    if (segment.key !== undefined) {
      value = Object.hasOwn(target, segment.key) ? target[segment.key] : undefined;
      if (value === undefined) return MISSING_TARGET_KEY;
    }
    if (segment.kind === 'error') throw new FormatError(segment.message);
    out += formatField(segment, value);
  }
  return out;
}

function formatField(field: FieldSegment, value: unknown): string {
  let text =
    field.conversion === 's'
      ? pythonStr(value)
      : field.conversion === 'r'
        ? pythonRepr(value)
        : pythonAscii(value);
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
