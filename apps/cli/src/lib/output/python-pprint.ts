// CPython 3.11's pprint.pformat(obj, width=72) for JSON-shaped values, as jsonschema uses it in
// the validation errors glanceclient prints ("Failed validating 'enum' in ..."). Dict keys are
// sorted (sort_dicts=True); a container whose repr does not fit is broken one item per line; a
// string that does not fit is cut into adjacent literals at whitespace, in parentheses at the top.
import { comparePyStr, dictEntries, isDictLike, pyRepr, pyStrRepr } from './python-values';
import { pyLen } from './textwrap';

// Python's line boundaries (str.splitlines) and whitespace (\s in a str pattern).
const LINE_BREAK = String.raw`\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]`;
const NOT_LINE_BREAK = String.raw`[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]`;
const LINES_KEEPING_ENDS = new RegExp(`${NOT_LINE_BREAK}*(?:${LINE_BREAK})|${NOT_LINE_BREAK}+$`, 'gu');
const PY_SPACE = String.raw`[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`;
const PY_NON_SPACE = String.raw`[^\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`;
/** re.findall(r'\S*\s*', line): words with their trailing blanks. */
const WORD_AND_SPACE = new RegExp(`${PY_NON_SPACE}*${PY_SPACE}*`, 'gu');

/** Python's repr() with dict keys sorted, as pprint's _safe_repr writes it. */
function sortedRepr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedRepr).join(', ')}]`;
  if (isDictLike(value)) {
    const entries = dictEntries(value).sort(([a], [b]) => comparePyStr(a, b));
    return `{${entries.map(([key, item]) => `${pyStrRepr(key)}: ${sortedRepr(item)}`).join(', ')}}`;
  }
  return pyRepr(value);
}

class PrettyPrinter {
  private out = '';

  constructor(private readonly width: number) {}

  format(value: unknown): string {
    this.out = '';
    this.formatValue(value, 0, 0, 0);
    return this.out;
  }

  private formatValue(value: unknown, indent: number, allowance: number, level: number): void {
    const rep = sortedRepr(value);
    if (pyLen(rep) > this.width - indent - allowance) {
      if (Array.isArray(value)) return this.formatList(value, indent, allowance, level + 1);
      if (isDictLike(value)) return this.formatDict(value, indent, allowance, level + 1);
      if (typeof value === 'string') return this.formatString(value, indent, allowance, level + 1);
    }
    this.out += rep;
  }

  private formatDict(value: object, indent: number, allowance: number, level: number): void {
    this.out += '{';
    const entries = dictEntries(value as Record<string, unknown>).sort(([a], [b]) => comparePyStr(a, b));
    const itemIndent = indent + 1;
    entries.forEach(([key, item], index) => {
      const last = index === entries.length - 1;
      const keyRep = pyStrRepr(key);
      this.out += `${keyRep}: `;
      this.formatValue(item, itemIndent + pyLen(keyRep) + 2, last ? allowance + 1 : 1, level);
      if (!last) this.out += ',\n' + ' '.repeat(itemIndent);
    });
    this.out += '}';
  }

  private formatList(value: unknown[], indent: number, allowance: number, level: number): void {
    this.out += '[';
    const itemIndent = indent + 1;
    value.forEach((item, index) => {
      const last = index === value.length - 1;
      if (index > 0) this.out += ',\n' + ' '.repeat(itemIndent);
      this.formatValue(item, itemIndent, last ? allowance + 1 : 1, level);
    });
    this.out += ']';
  }

  /** pprint's _pprint_str: adjacent string literals split at whitespace, one per line. */
  private formatString(value: string, indent: number, allowance: number, level: number): void {
    if (value.length === 0) {
      this.out += pyStrRepr(value);
      return;
    }
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const chunks: string[] = [];
    const lines = value.match(LINES_KEEPING_ENDS) ?? [value];
    const maxWidth = this.width - indent;
    lines.forEach((line, lineIndex) => {
      const lastLine = lineIndex === lines.length - 1;
      const rep = pyStrRepr(line);
      if (pyLen(rep) <= maxWidth - (lastLine ? allowance : 0)) {
        chunks.push(rep);
        return;
      }
      const parts = line.match(WORD_AND_SPACE)!.filter((part, index, all) => index < all.length - 1 || part);
      let current = '';
      parts.forEach((part, partIndex) => {
        const candidate = current + part;
        const limit = maxWidth - (partIndex === parts.length - 1 && lastLine ? allowance : 0);
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
      this.out += pyStrRepr(value);
      return;
    }
    if (level === 1) this.out += '(';
    this.out += chunks.join('\n' + ' '.repeat(indent));
    if (level === 1) this.out += ')';
  }
}

/** pprint.pformat(value, width=width). */
export function pformat(value: unknown, width = 80): string {
  return new PrettyPrinter(width).format(value);
}
