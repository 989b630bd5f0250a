/**
 * Python's `textwrap.wrap(text, width, initial_indent=..., subsequent_indent=...)` with its default
 * options (break_long_words and break_on_hyphens on, whitespace dropped at line edges), which
 * oslopolicy-sample-generator uses for descriptions. Words split after hyphens the way
 * TextWrapper.wordsep_re does, so lines break where Python breaks them.
 */

// TextWrapper.wordsep_re, with Python's Unicode \w spelled out for JavaScript.
const WORD = String.raw`[\p{L}\p{N}\p{M}_]`;
const WORD_PUNCT = String.raw`[\p{L}\p{N}\p{M}_!"'&.,?]`;
const LETTER = String.raw`[\p{L}\p{M}_]`;
const WHITESPACE = String.raw`[\t\n\v\f\r ]`;
const NON_WHITESPACE = String.raw`[^\t\n\v\f\r ]`;
const WORD_SEPARATOR = new RegExp(
  String.raw`(${WHITESPACE}+` +
    String.raw`|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
    String.raw`|${NON_WHITESPACE}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})|(?=${WHITESPACE}|$)|(?<=${WORD_PUNCT})(?=-{2,}${WORD})))`,
  'u',
);

export function wrapText(
  text: string,
  width: number,
  initialIndent: string,
  subsequentIndent: string,
): string[] {
  // _munge_whitespace: tabs expand to 8 columns, then every whitespace character becomes a space.
  const munged = expandTabs(text).replace(/[\t\n\v\f\r]/g, ' ');
  const chunks = munged.split(WORD_SEPARATOR).filter((chunk) => chunk !== '' && chunk !== undefined);
  return wrapChunks(chunks, width, initialIndent, subsequentIndent);
}

function expandTabs(text: string): string {
  let out = '';
  let column = 0;
  for (const char of text) {
    if (char === '\t') {
      const spaces = 8 - (column % 8);
      out += ' '.repeat(spaces);
      column += spaces;
    } else {
      out += char;
      column = char === '\n' || char === '\r' ? 0 : column + 1;
    }
  }
  return out;
}

const isBlank = (chunk: string) => chunk.trim() === '';

/** TextWrapper._wrap_chunks. */
function wrapChunks(
  chunksInOrder: string[],
  width: number,
  initialIndent: string,
  subsequentIndent: string,
): string[] {
  const lines: string[] = [];
  const chunks = [...chunksInOrder].reverse();
  while (chunks.length > 0) {
    const currentLine: string[] = [];
    let currentLength = 0;
    const indent = lines.length > 0 ? subsequentIndent : initialIndent;
    const available = width - indent.length;
    if (isBlank(chunks[chunks.length - 1]) && lines.length > 0) chunks.pop();
    while (chunks.length > 0) {
      const length = chunks[chunks.length - 1].length;
      if (currentLength + length > available) break;
      currentLine.push(chunks.pop() as string);
      currentLength += length;
    }
    if (chunks.length > 0 && chunks[chunks.length - 1].length > available) {
      handleLongWord(chunks, currentLine, currentLength, available);
    }
    if (currentLine.length > 0 && isBlank(currentLine[currentLine.length - 1])) currentLine.pop();
    if (currentLine.length > 0) lines.push(indent + currentLine.join(''));
  }
  return lines;
}

/** TextWrapper._handle_long_word with break_long_words and break_on_hyphens. */
function handleLongWord(
  reversedChunks: string[],
  currentLine: string[],
  currentLength: number,
  width: number,
): void {
  const spaceLeft = width < 1 ? 1 : width - currentLength;
  const chunk = reversedChunks[reversedChunks.length - 1];
  let end = spaceLeft;
  if (chunk.length > spaceLeft) {
    const hyphen = chunk.lastIndexOf('-', spaceLeft - 1);
    if (hyphen > 0 && /[^-]/.test(chunk.slice(0, hyphen))) end = hyphen + 1;
  }
  currentLine.push(chunk.slice(0, end));
  reversedChunks[reversedChunks.length - 1] = chunk.slice(end);
}
