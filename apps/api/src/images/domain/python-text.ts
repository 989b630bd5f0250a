/**
 * Python 3 string semantics that Glance's rules and messages depend on. Glance runs on CPython:
 * its length limits count code points, its `strip()` removes Unicode whitespace, `int()` accepts
 * `' +1_000 '`, and so on. JavaScript differs on each, so the domain rules use these instead of the
 * built-ins wherever the difference can change an answer.
 */

/**
 * The characters for which CPython's `str.isspace()` is true; also what `re`'s `\s`, `strip()` and
 * `int()` treat as whitespace. Unlike JavaScript's `\s` it includes U+001C..U+001F and U+0085 and
 * excludes U+FEFF.
 */
export const PYTHON_WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WHITESPACE = new RegExp(`^[${PYTHON_WHITESPACE_CLASS}]$`);
const LEADING_WHITESPACE = new RegExp(`^[${PYTHON_WHITESPACE_CLASS}]+`);
const TRAILING_WHITESPACE = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]+$`);

export function isPythonWhitespace(char: string): boolean {
  return WHITESPACE.test(char);
}

/** `str.strip()` with no argument. */
export function pythonStrip(text: string): string {
  return text.replace(LEADING_WHITESPACE, '').replace(TRAILING_WHITESPACE, '');
}

/** `len(str)`: code points, a lone surrogate counting as one (as Python's str holds them). */
export function pythonLength(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

/** Orders strings by code point, as Python compares str (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const difference = (x.value.codePointAt(0) as number) - (y.value.codePointAt(0) as number);
    if (difference !== 0) return difference;
  }
}

// The line boundaries of `str.splitlines()`; \r\n counts as one.
// eslint-disable-next-line no-control-regex -- Python's line boundaries include control characters
const LINE_BOUNDARY = /\r\n|[\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]/g;

/** `str.splitlines(keepends=True)`. */
export function pythonSplitLinesKeepEnds(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (const match of text.matchAll(LINE_BOUNDARY)) {
    const end = (match.index as number) + match[0].length;
    lines.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

const CASED = /[\p{Lu}\p{Ll}\p{Lt}]/u;
// Unicode's Case_Ignorable, closely enough for the final-sigma rule below.
const CASE_IGNORABLE = /[\p{Mn}\p{Me}\p{Cf}\p{Lm}\p{Sk}'.:\u00b7\u0387\u05f4\u2018\u2019\u2024\u2027]/u;

// Title case where it is neither the upper case nor its first letter: the digraphs, and ŉ.
const TITLE_CASE: Readonly<Record<string, string>> = {
  Ǆ: 'ǅ',
  ǅ: 'ǅ',
  ǆ: 'ǅ',
  Ǉ: 'ǈ',
  ǈ: 'ǈ',
  ǉ: 'ǈ',
  Ǌ: 'ǋ',
  ǋ: 'ǋ',
  ǌ: 'ǋ',
  Ǳ: 'ǲ',
  ǲ: 'ǲ',
  ǳ: 'ǲ',
  ŉ: 'ʼN',
};

function titleCase(char: string): string {
  const special = TITLE_CASE[char];
  if (special) return special;
  // A letter whose upper case is several letters (ß → SS, ﬁ → FI) title-cases to Ss, Fi.
  const [first, ...rest] = char.toUpperCase();
  return first + rest.join('').toLowerCase();
}

/** Lower case with Unicode's final sigma: Σ ending a word becomes ς, elsewhere σ. */
function lowerCase(chars: readonly string[], index: number): string {
  if (chars[index] !== 'Σ') return chars[index].toLowerCase();
  const casedAround = (step: number) => {
    for (let i = index + step; i >= 0 && i < chars.length; i += step) {
      if (!CASE_IGNORABLE.test(chars[i])) return CASED.test(chars[i]);
    }
    return false;
  };
  return casedAround(-1) && !casedAround(1) ? 'ς' : 'σ';
}

/**
 * `str.title()`: the first cased character after an uncased one is title-cased, the others
 * lower-cased (`'os_distro'` → `'Os_Distro'`). Glance builds some messages from it. Beyond the
 * digraphs and ŉ, special title cases (Greek with ypogegrammeni) are not reproduced.
 */
export function pythonTitle(text: string): string {
  const chars = [...text];
  let out = '';
  let previousCased = false;
  chars.forEach((char, index) => {
    const cased = CASED.test(char);
    out += cased ? (previousCased ? lowerCase(chars, index) : titleCase(char)) : char;
    previousCased = cased;
  });
  return out;
}

/** Characters outside the Basic Multilingual Plane: 4 bytes in UTF-8 (Glance refuses them in the database). */
export function hasFourByteCharacter(text: string): boolean {
  for (const char of text) if ((char.codePointAt(0) as number) > 0xffff) return true;
  return false;
}

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * The value of a Unicode decimal digit. Unicode keeps every `Nd` character in runs of ten, 0 to 9
 * in order, so the digit's value is its distance from the start of its run, modulo ten.
 */
function decimalDigitValue(char: string): number {
  let codePoint = char.codePointAt(0) as number;
  let offset = 0;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(codePoint - 1))) {
    codePoint -= 1;
    offset += 1;
  }
  return offset % 10;
}

/**
 * Python's `int(text)` for a str: surrounding whitespace, an optional sign, decimal digits of any
 * script with single underscores between them. Undefined where Python raises ValueError. Values
 * beyond 2^53 lose precision (JavaScript numbers); the callers only clamp or compare them.
 */
export function parsePythonInt(text: string): number | undefined {
  const stripped = pythonStrip(text);
  const match = /^([+-]?)(\p{Nd}(?:_?\p{Nd})*)$/u.exec(stripped);
  if (!match) return undefined;
  let value = 0;
  for (const char of match[2]) {
    if (char !== '_') value = value * 10 + decimalDigitValue(char);
  }
  // Python has no negative zero among ints.
  return match[1] === '-' && value !== 0 ? -value : value;
}
