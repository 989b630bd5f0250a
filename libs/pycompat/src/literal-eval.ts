import { pyFloatRepr } from './repr';

/**
 * Python's `ast.literal_eval(text)`, classified the way a caller needs it: a literal, with its
 * `str()`; valid Python that is not a literal but a name or a dotted attribute path
 * (`token.user.id`), for which literal_eval raises ValueError; or anything else.
 *
 * Reproduced exactly: True/False/None, ints (decimal, hex, octal, binary, underscores, one sign),
 * floats, str literals (optional u/r prefix, escapes, implicit concatenation) and dotted ASCII
 * identifier paths. Everything else (bytes, f-strings, complex numbers, `...`, containers,
 * operators such as `a-b`, non-ASCII names, and the genuine syntax errors like `1abc` or `not`)
 * is classified `invalid`, with the reason.
 */
export type LiteralEvalResult =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'name'; readonly segments: readonly string[] }
  | { readonly kind: 'invalid'; readonly reason: string };

const PYTHON_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DIGITS = String.raw`\d(?:_?\d)*`;
const POINT_FLOAT = String.raw`(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.)`;
const FLOAT_NUMBER = new RegExp(
  String.raw`^(?:${POINT_FLOAT}|(?:${DIGITS}|${POINT_FLOAT})[eE][+-]?${DIGITS})$`,
);
const DECIMAL_INT = /^(?:[1-9](?:_?\d)*|0(?:_?0)*)$/;
const PREFIXED_INT = /^0(?:[xX](?:_?[0-9a-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)$/;

export function literalEval(text: string): LiteralEvalResult {
  if (text === 'True' || text === 'False' || text === 'None') return { kind: 'literal', text };
  const number = numberLiteral(text);
  if (number !== undefined) return { kind: 'literal', text: number };
  if (text.length > 0 && /^[uUrR]?['"]/.test(text)) {
    const value = concatenatedStrings(text);
    return value === undefined
      ? { kind: 'invalid', reason: `${JSON.stringify(text)} is not a supported Python string literal` }
      : { kind: 'literal', text: value };
  }
  const segments = text.split('.');
  if (segments.every((segment) => IDENTIFIER.test(segment) && !PYTHON_KEYWORDS.has(segment))) {
    return { kind: 'name', segments };
  }
  return {
    kind: 'invalid',
    reason: `${JSON.stringify(text)} is neither a Python literal (True, False, None, a number, a quoted string) nor a dotted name such as token.user.id`,
  };
}

function numberLiteral(text: string): string | undefined {
  const negative = text.startsWith('-');
  const unsigned = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  if (DECIMAL_INT.test(unsigned) || PREFIXED_INT.test(unsigned)) {
    const digits = unsigned.replaceAll('_', '');
    // BigInt understands the 0x/0o/0b prefixes and keeps integers of any size exact, as Python does.
    const value = BigInt(digits);
    return (negative ? -value : value).toString();
  }
  if (FLOAT_NUMBER.test(unsigned)) {
    const value = Number(unsigned.replaceAll('_', ''));
    return pyFloatRepr(negative ? -value : value);
  }
  return undefined;
}

/** Adjacent str literals (`'a''b'`) concatenate, as in Python source. */
function concatenatedStrings(text: string): string | undefined {
  let pos = 0;
  let value = '';
  while (pos < text.length) {
    const literal = stringLiteralAt(text, pos);
    if (!literal) return undefined;
    value += literal.value;
    pos = literal.end;
  }
  return value;
}

function stringLiteralAt(text: string, start: number): { value: string; end: number } | undefined {
  let pos = start;
  let raw = false;
  if ('uUrR'.includes(text[pos])) {
    raw = text[pos] === 'r' || text[pos] === 'R';
    pos += 1;
  }
  const quote = text[pos];
  if (quote !== "'" && quote !== '"') return undefined;
  // Triple-quoted strings are valid Python but not reproduced here.
  if (text[pos + 1] === quote && text[pos + 2] === quote) return undefined;
  pos += 1;
  let value = '';
  while (pos < text.length && text[pos] !== quote) {
    if (text[pos] !== '\\') {
      value += text[pos++];
      continue;
    }
    if (pos + 1 >= text.length) return undefined;
    if (raw) {
      value += text.slice(pos, pos + 2);
      pos += 2;
      continue;
    }
    const escaped = unescape(text, pos);
    if (!escaped) return undefined;
    value += escaped.value;
    pos = escaped.end;
  }
  if (pos >= text.length) return undefined;
  return { value, end: pos + 1 };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function unescape(text: string, backslash: number): { value: string; end: number } | undefined {
  const char = text[backslash + 1];
  if (Object.hasOwn(SIMPLE_ESCAPES, char)) return { value: SIMPLE_ESCAPES[char], end: backslash + 2 };
  if (char >= '0' && char <= '7') {
    const octal = /^[0-7]{1,3}/.exec(text.slice(backslash + 1))![0];
    return { value: String.fromCodePoint(parseInt(octal, 8)), end: backslash + 1 + octal.length };
  }
  const hexLength = char === 'x' ? 2 : char === 'u' ? 4 : char === 'U' ? 8 : 0;
  if (hexLength > 0) {
    const digits = text.slice(backslash + 2, backslash + 2 + hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(digits)) return undefined;
    const code = parseInt(digits, 16);
    if (code > 0x10ffff) return undefined;
    return { value: String.fromCodePoint(code), end: backslash + 2 + hexLength };
  }
  // \N{NAME} needs the Unicode name table; unknown escapes keep their backslash in Python.
  if (char === 'N') return undefined;
  return { value: `\\${char}`, end: backslash + 2 };
}
