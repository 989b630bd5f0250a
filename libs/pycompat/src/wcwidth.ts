import { WIDE_EASTASIAN, ZERO_WIDTH } from './wcwidth-tables';

/**
 * Terminal cell widths exactly as python3-wcwidth 0.2.5 computes them (prettytable sizes its
 * columns with wcwidth.wcswidth()): a CJK character takes two cells, a combining mark none, and a
 * control character makes the whole string's width -1. The tables are generated from that package
 * (scripts/gen-wcwidth-tables.py).
 */

/** wcwidth's hand-made list of zero-width format characters (checked before the C0/C1 rule). */
const ZERO_WIDTH_CF = new Set([
  0x0000, 0x034f, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d,
  0x202e, 0x2060, 0x2061, 0x2062, 0x2063,
]);

function inRanges(codePoint: number, ranges: readonly number[]): boolean {
  let low = 0;
  let high = ranges.length / 2 - 1;
  if (codePoint < ranges[0] || codePoint > ranges[ranges.length - 1]) return false;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (codePoint > ranges[mid * 2 + 1]) low = mid + 1;
    else if (codePoint < ranges[mid * 2]) high = mid - 1;
    else return true;
  }
  return false;
}

/** `wcwidth.wcwidth(char)`: cells taken by one code point, -1 (control), 0, 1 or 2. */
export function wcwidth(codePoint: number): number {
  if (ZERO_WIDTH_CF.has(codePoint)) return 0;
  if (codePoint < 32 || (codePoint >= 0x7f && codePoint < 0xa0)) return -1;
  if (inRanges(codePoint, ZERO_WIDTH)) return 0;
  return inRanges(codePoint, WIDE_EASTASIAN) ? 2 : 1;
}

/** `wcwidth.wcswidth(text)`: cells taken by a string, or -1 as soon as one code point is not printable. */
export function wcswidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const cells = wcwidth(char.codePointAt(0)!);
    if (cells < 0) return -1;
    width += cells;
  }
  return width;
}
