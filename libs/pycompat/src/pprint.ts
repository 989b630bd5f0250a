import { render, pyStrRepr } from './repr';
import { comparePyStr, pyLen, pySplitLinesKeepEnds, PY_WHITESPACE_CLASS } from './text';
import { dictEntries, isDictLike, type PyReadOptions } from './values';

/** re.findall(r'\S*\s*', line): words with their trailing blanks. */
const WORD_AND_SPACE = new RegExp(`[^${PY_WHITESPACE_CLASS}]*[${PY_WHITESPACE_CLASS}]*`, 'gu');

/**
 * `pprint.pformat(value, width=width)` (indent 1, sort_dicts=True, not compact): a port of CPython
 * 3.11's PrettyPrinter for the values of values.ts. A value whose repr fits stays on one line; a
 * dict, list or string that does not is broken up, a string into adjacent literals at word
 * boundaries (in parentheses at the top level). jsonschema prints its errors' schema and instance
 * this way with width=72.
 */
export function pformat(value: unknown, width = 80, options: PyReadOptions = {}): string {
  const out: string[] = [];
  new PrettyPrinter(width, options).format(value, out, 0, 0, 0);
  return out.join('');
}

class PrettyPrinter {
  constructor(
    private readonly width: number,
    private readonly options: PyReadOptions,
  ) {}

  format(value: unknown, out: string[], indent: number, allowance: number, level: number): void {
    const rep = render(value, { ...this.options, asciiOnly: false, sortDicts: true });
    if (pyLen(rep) > this.width - indent - allowance) {
      if (typeof value === 'string') return this.formatString(value, out, indent, allowance, level + 1);
      if (Array.isArray(value)) return this.formatList(value, out, indent, allowance, level + 1);
      if (isDictLike(value)) return this.formatDict(value, out, indent, allowance, level + 1);
    }
    out.push(rep);
  }

  private formatDict(
    value: Parameters<typeof dictEntries>[0],
    out: string[],
    indent: number,
    allowance: number,
    level: number,
  ): void {
    out.push('{');
    const entries = dictEntries(value, this.options).sort(([a], [b]) => comparePyStr(a, b));
    const itemIndent = indent + 1;
    entries.forEach(([key, item], index) => {
      const last = index === entries.length - 1;
      const keyRep = pyStrRepr(key);
      out.push(keyRep, ': ');
      this.format(item, out, itemIndent + pyLen(keyRep) + 2, last ? allowance + 1 : 1, level);
      if (!last) out.push(`,\n${' '.repeat(itemIndent)}`);
    });
    out.push('}');
  }

  private formatList(
    value: unknown[],
    out: string[],
    indent: number,
    allowance: number,
    level: number,
  ): void {
    out.push('[');
    const itemIndent = indent + 1;
    value.forEach((item, index) => {
      const last = index === value.length - 1;
      if (index > 0) out.push(`,\n${' '.repeat(itemIndent)}`);
      this.format(item, out, itemIndent, last ? allowance + 1 : 1, level);
    });
    out.push(']');
  }

  /** pprint's _pprint_str: adjacent string literals split at whitespace, one per line. */
  private formatString(value: string, out: string[], indent: number, allowance: number, level: number): void {
    if (value.length === 0) {
      out.push(pyStrRepr(value));
      return;
    }
    // At the top level the literals are wrapped in parentheses, which take a column each side.
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const maxWidth = this.width - indent;
    const chunks: string[] = [];
    const lines = pySplitLinesKeepEnds(value);
    lines.forEach((line, lineIndex) => {
      const lastLine = lineIndex === lines.length - 1;
      const rep = pyStrRepr(line);
      if (pyLen(rep) <= (lastLine ? maxWidth - allowance : maxWidth)) {
        chunks.push(rep);
        return;
      }
      // Alternating runs of non-space and space, the last (empty) match dropped as pprint does.
      const parts = [...line.matchAll(WORD_AND_SPACE)].map((match) => match[0]);
      parts.pop();
      let current = '';
      parts.forEach((part, partIndex) => {
        const candidate = current + part;
        const limit = partIndex === parts.length - 1 && lastLine ? maxWidth - allowance : maxWidth;
        if (pyLen(pyStrRepr(candidate)) > limit) {
          if (current) chunks.push(pyStrRepr(current));
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current) chunks.push(pyStrRepr(current));
    });
    if (chunks.length === 1) {
      out.push(pyStrRepr(value));
      return;
    }
    if (level === 1) out.push('(');
    out.push(chunks.join(`\n${' '.repeat(indent)}`));
    if (level === 1) out.push(')');
  }
}
