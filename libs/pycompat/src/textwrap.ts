import { isPyBlank, pyExpandTabs, pyLen } from './text';

/**
 * A port of CPython 3.11's textwrap.TextWrapper: the line breaker behind prettytable's max_width,
 * argparse's help text and oslopolicy-sample-generator's descriptions. Its quirks are kept: widths
 * are counted in code points (not terminal cells), words break after hyphens ("goof-" / "ball"),
 * over-long words are cut at the width, and only ASCII whitespace separates words while Unicode
 * whitespace still counts as blank when lines are trimmed.
 */

export interface WrapOptions {
  readonly initialIndent?: string;
  readonly subsequentIndent?: string;
  /** Python's default True: tabs become spaces up to the next multiple of 8 first. */
  readonly expandTabs?: boolean;
  /** Python's default True: every ASCII whitespace character becomes a space. */
  readonly replaceWhitespace?: boolean;
  /** Python's default True: blank chunks at the start and end of a line are dropped. */
  readonly dropWhitespace?: boolean;
  /** Python's default True. */
  readonly breakLongWords?: boolean;
  /** Python's default True. */
  readonly breakOnHyphens?: boolean;
}

/** textwrap's `_whitespace`: the only characters that separate words. */
const ASCII_WHITESPACE = /[\t\n\v\f\r ]/g;

// textwrap.TextWrapper.wordsep_re, translated. Python's \w is Unicode-aware: letters, numbers
// (str.isalnum) and underscore, not combining marks; its `letter` is [^\d\W], i.e. \w minus
// decimal digits. `\Z` is `$` without /m.
const WORD = String.raw`[\p{L}\p{N}_]`;
const WORD_PUNCT = String.raw`[\p{L}\p{N}_!"'&.,?]`;
const LETTER = String.raw`[\p{L}\p{Nl}\p{No}_]`;
const WS = String.raw`[\t\n\v\f\r ]`;
const NON_WS = String.raw`[^\t\n\v\f\r ]`;
const WORD_SEPARATOR = new RegExp(
  '(' +
    `${WS}+` + // any whitespace
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` + // em-dash between words
    `|${NON_WS}+?(?:` + // word, possibly hyphenated
    `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` + // hyphenated word
    `|(?=${WS}|$)` + // end of word
    `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})` + // em-dash
    '))',
  'u',
);
const WORD_SEPARATOR_SIMPLE = new RegExp(`(${WS}+)`, 'u');

type Settings = Required<WrapOptions>;

function splitChunks(text: string, options: Settings): string[] {
  let munged = options.expandTabs ? pyExpandTabs(text) : text;
  if (options.replaceWhitespace) munged = munged.replace(ASCII_WHITESPACE, ' ');
  // Like re.split with one capturing group, String#split keeps the separators.
  const pattern = options.breakOnHyphens ? WORD_SEPARATOR : WORD_SEPARATOR_SIMPLE;
  return munged.split(pattern).filter((chunk) => chunk !== undefined && chunk !== '');
}

/** TextWrapper._handle_long_word. */
function handleLongWord(
  reversedChunks: string[],
  currentLine: string[],
  currentLength: number,
  width: number,
  options: Settings,
): void {
  const spaceLeft = width < 1 ? 1 : width - currentLength;
  if (options.breakLongWords) {
    let end = spaceLeft;
    const chunk = reversedChunks[reversedChunks.length - 1];
    const chars = Array.from(chunk);
    if (options.breakOnHyphens && chars.length > spaceLeft) {
      // Break after the last hyphen that fits, but only if something other than hyphens precedes it.
      const hyphen = chars.slice(0, spaceLeft).lastIndexOf('-');
      if (hyphen > 0 && chars.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
    }
    currentLine.push(chars.slice(0, end).join(''));
    reversedChunks[reversedChunks.length - 1] = chars.slice(end).join('');
  } else if (currentLine.length === 0) {
    currentLine.push(reversedChunks.pop()!);
  }
}

function withDefaults(options: WrapOptions): Settings {
  return {
    initialIndent: '',
    subsequentIndent: '',
    expandTabs: true,
    replaceWhitespace: true,
    dropWhitespace: true,
    breakLongWords: true,
    breakOnHyphens: true,
    ...options,
  };
}

/** `textwrap.wrap(text, width, ...)`: the wrapped lines, without final newlines. */
export function wrap(text: string, width: number, wrapOptions: WrapOptions = {}): string[] {
  if (width <= 0) throw new RangeError(`invalid width ${width} (must be > 0)`);
  const options = withDefaults(wrapOptions);
  const chunks = splitChunks(text, options).reverse();
  const lines: string[] = [];

  // TextWrapper._wrap_chunks
  while (chunks.length > 0) {
    const currentLine: string[] = [];
    let currentLength = 0;
    const indent = lines.length > 0 ? options.subsequentIndent : options.initialIndent;
    const lineWidth = width - pyLen(indent);

    if (options.dropWhitespace && lines.length > 0 && isPyBlank(chunks[chunks.length - 1])) chunks.pop();

    while (chunks.length > 0) {
      const length = pyLen(chunks[chunks.length - 1]);
      if (currentLength + length > lineWidth) break;
      currentLine.push(chunks.pop()!);
      currentLength += length;
    }

    if (chunks.length > 0 && pyLen(chunks[chunks.length - 1]) > lineWidth) {
      handleLongWord(chunks, currentLine, currentLength, lineWidth, options);
      currentLength = currentLine.reduce((sum, chunk) => sum + pyLen(chunk), 0);
    }

    if (options.dropWhitespace && currentLine.length > 0 && isPyBlank(currentLine[currentLine.length - 1])) {
      currentLength -= pyLen(currentLine[currentLine.length - 1]);
      currentLine.pop();
    }

    if (currentLine.length > 0) lines.push(indent + currentLine.join(''));
  }
  return lines;
}

/** `textwrap.fill(text, width, ...)`: the wrapped lines joined with newlines. */
export function fill(text: string, width: number, options: WrapOptions = {}): string {
  return wrap(text, width, options).join('\n');
}
