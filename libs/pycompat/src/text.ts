/**
 * Python 3 `str` semantics where JavaScript's differ: length counts code points, comparison is by
 * code point, `strip()` and `split()` know Unicode whitespace, `int()` accepts `' +1_000 '` and
 * digits of every script, `title()` and `splitlines()` have their own rules.
 */

/**
 * The characters for which CPython's `str.isspace()` is true; also what `re`'s `\s`, `strip()` and
 * `int()` treat as whitespace. Unlike JavaScript's `\s` it includes U+001C..U+001F and U+0085 and
 * excludes U+FEFF. For a regular expression character class.
 */
export const PY_WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WHITESPACE = new RegExp(`^[${PY_WHITESPACE_CLASS}]$`);
const ALL_WHITESPACE = new RegExp(`^[${PY_WHITESPACE_CLASS}]*$`);
const LEADING_WHITESPACE = new RegExp(`^[${PY_WHITESPACE_CLASS}]+`);
const TRAILING_WHITESPACE = new RegExp(`[${PY_WHITESPACE_CLASS}]+$`);

/** `char.isspace()` for one character. */
export function isPyWhitespace(char: string): boolean {
  return WHITESPACE.test(char);
}

/** `text.strip() == ''`: empty or whitespace only. */
export function isPyBlank(text: string): boolean {
  return ALL_WHITESPACE.test(text);
}

/** `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  return text.replace(LEADING_WHITESPACE, '').replace(TRAILING_WHITESPACE, '');
}

/** `str.lstrip()` with no argument. */
export function pyLstrip(text: string): string {
  return text.replace(LEADING_WHITESPACE, '');
}

/** `str.rstrip()` with no argument. */
export function pyRstrip(text: string): string {
  return text.replace(TRAILING_WHITESPACE, '');
}

/** `len(str)`: code points, a lone surrogate counting as one (as Python's str holds them). */
export function pyLen(text: string): number {
  let length = 0;
  for (const _ of text) length += 1;
  return length;
}

/** Python's `<` on two str, as a comparator: code point order (JavaScript compares UTF-16 units). */
export function comparePyStr(a: string, b: string): number {
  if (a === b) return 0;
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
// eslint-disable-next-line no-control-regex -- as LINE_BOUNDARY
const LINE_END = /(?:\r\n|[\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029])$/;

/** `str.splitlines()`: the lines without their ends (no final empty line). */
export function pySplitLines(text: string): string[] {
  return pySplitLinesKeepEnds(text).map((line) => line.replace(LINE_END, ''));
}

/** `str.splitlines(keepends=True)`. */
export function pySplitLinesKeepEnds(text: string): string[] {
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

/** `str.expandtabs(tabsize)`: the column restarts after \n and \r. */
export function pyExpandTabs(text: string, tabSize = 8): string {
  if (!text.includes('\t')) return text;
  let out = '';
  let column = 0;
  for (const char of text) {
    if (char === '\t') {
      const spaces = tabSize > 0 ? tabSize - (column % tabSize) : 0;
      out += ' '.repeat(spaces);
      column += spaces;
    } else {
      out += char;
      column = char === '\n' || char === '\r' ? 0 : column + 1;
    }
  }
  return out;
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
 * lower-cased (`'os_distro'` → `'Os_Distro'`). Beyond the digraphs and ŉ, special title cases
 * (Greek with ypogegrammeni) are not reproduced.
 */
export function pyTitle(text: string): string {
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
 * Python's `int(text)` for a str, exactly: surrounding whitespace, an optional sign, decimal digits
 * of any script with single underscores between them. Undefined where Python raises ValueError.
 */
export function pyBigInt(text: string): bigint | undefined {
  const match = /^([+-]?)(\p{Nd}(?:_?\p{Nd})*)$/u.exec(pyStrip(text));
  if (!match) return undefined;
  let value = 0n;
  for (const char of match[2]) {
    if (char !== '_') value = value * 10n + BigInt(decimalDigitValue(char));
  }
  return match[1] === '-' ? -value : value;
}

/** `int(text)` as a JavaScript number (beyond 2^53, the nearest one). */
export function pyInt(text: string): number | undefined {
  const value = pyBigInt(text);
  return value === undefined ? undefined : Number(value);
}
