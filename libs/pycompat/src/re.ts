import { PY_WHITESPACE_CLASS } from './text';

/** Thrown for a Python pattern whose meaning JavaScript's regular expressions would change. */
export class UnsupportedPatternError extends Error {}

const compiledPatterns = new Map<string, RegExp>();

/**
 * Python's `re.search(pattern, text)` for simple patterns, such as JSON schemas hold. Two
 * differences with JavaScript matter there: Python's `$` also matches before a final newline, and
 * `\d` / `\s` are Unicode-wide. Constructs whose meaning differs further (`\w`, `\b`, `\A`, `\Z`,
 * named groups) are refused with UnsupportedPatternError; a pattern JavaScript cannot compile
 * throws its SyntaxError.
 */
export function pyRegexSearch(pattern: string, text: string): boolean {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    compiled = new RegExp(translatePattern(pattern), 'u');
    compiledPatterns.set(pattern, compiled);
  }
  return compiled.test(text);
}

function translatePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1];
      i += 1;
      if ('wWbBAZ'.includes(next))
        throw new UnsupportedPatternError(`Python regex escape \\${next} is not supported`);
      if (next === 'd') out += inClass ? '\\p{Nd}' : '[\\p{Nd}]';
      else if (next === 's') out += inClass ? PY_WHITESPACE_CLASS : `[${PY_WHITESPACE_CLASS}]`;
      else out += `\\${next}`;
    } else if (inClass) {
      if (char === ']') inClass = false;
      out += char;
    } else if (char === '[') {
      inClass = true;
      out += char;
      // A ']' right after '[' or '[^' is a literal in Python.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i += 1;
      }
    } else if (char === '$') {
      out += '(?=\\n?$)';
    } else if (char === '(' && pattern[i + 1] === '?' && pattern[i + 2] === 'P') {
      throw new UnsupportedPatternError('Python named groups are not supported');
    } else {
      out += char;
    }
  }
  return out;
}
