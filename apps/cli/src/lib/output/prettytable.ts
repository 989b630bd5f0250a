// A port of prettytable 3.6 (Debian's python3-prettytable) get_string(), limited to the options
// glanceclient and cliff use: default style (+---+ frame, | between columns, one space of padding),
// per-column alignment and max_width, sortby and print_empty. Behaviour worth knowing when reading
// a diff against the real thing:
// - cell text is Python's str() of the value (True, None, 1.0, ['a']), a missing one None;
// - a column is as wide as its widest line, capped at max_width; text wider than the cap is
//   re-wrapped with textwrap.fill, which counts code points, not cells, so wide (CJK) text can
//   overflow its column exactly as it does in Python;
// - widths are measured with wcwidth, where a control character makes a line's width -1.
import { comparePyStr, fill, PyFloat, pyStr, wcswidth } from '@glance-ts/pycompat';

export type Alignment = 'l' | 'c' | 'r';

export interface PrettyTableOptions {
  /** One alignment for every column, or per column name (default "c", prettytable's). */
  align?: Alignment | Record<string, Alignment>;
  /** Maximum content width for every column, or per column name. */
  maxWidth?: number | Record<string, number>;
  /** Print the header of a table without rows (prettytable's default: true). */
  printEmpty?: boolean;
}

export interface GetStringOptions {
  /** Sort rows by this column's raw values, like get_string(sortby=...). */
  sortBy?: string;
}

function spaces(count: number): string {
  return count > 0 ? ' '.repeat(count) : '';
}

/** prettytable's _get_size: widest line (in cells) and number of lines. */
function blockSize(text: string): { width: number; height: number } {
  const lines = text.split('\n');
  return { width: Math.max(...lines.map(wcswidth)), height: lines.length };
}

/** prettytable's _justify, including str.center()'s placement of the odd space. */
function justify(text: string, width: number, align: Alignment): string {
  const textWidth = wcswidth(text);
  const excess = width - textWidth;
  if (align === 'l') return text + spaces(excess);
  if (align === 'r') return spaces(excess) + text;
  const half = Math.floor(excess / 2);
  if (excess % 2 === 0) return spaces(half) + text + spaces(half);
  return textWidth % 2 !== 0
    ? spaces(half) + text + spaces(half + 1)
    : spaces(half + 1) + text + spaces(half);
}

/** Python's `<` between two sort keys, for the types table cells hold. */
function comparePy(a: unknown, b: unknown): number {
  const numeric = (v: unknown): number | undefined =>
    typeof v === 'number'
      ? v
      : typeof v === 'boolean'
        ? Number(v)
        : v instanceof PyFloat
          ? v.value
          : undefined;
  const [x, y] = [numeric(a), numeric(b)];
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const [p, q] = [BigInt(a as bigint), BigInt(b as bigint)];
    return p < q ? -1 : p > q ? 1 : 0;
  }
  return comparePyStr(pyStr(a, { lenient: true }), pyStr(b, { lenient: true }));
}

export class PrettyTable {
  private readonly rows: unknown[][] = [];
  private readonly align = new Map<string, Alignment>();
  private readonly maxWidth = new Map<string, number>();
  private readonly printEmpty: boolean;

  constructor(
    readonly fieldNames: readonly string[],
    options: PrettyTableOptions = {},
  ) {
    for (const field of fieldNames) {
      const align = typeof options.align === 'object' ? options.align[field] : options.align;
      this.align.set(field, align ?? 'c');
      const maxWidth = typeof options.maxWidth === 'object' ? options.maxWidth[field] : options.maxWidth;
      if (maxWidth !== undefined) this.maxWidth.set(field, maxWidth);
    }
    this.printEmpty = options.printEmpty ?? true;
  }

  setAlign(field: string, align: Alignment): void {
    this.align.set(field, align);
  }

  setMaxWidth(field: string, width: number): void {
    this.maxWidth.set(field, width);
  }

  addRow(row: readonly unknown[]): void {
    if (row.length !== this.fieldNames.length) {
      throw new RangeError(
        `Row has incorrect number of values, (actual) ${row.length}!=${this.fieldNames.length} (expected)`,
      );
    }
    this.rows.push([...row]);
  }

  get rowCount(): number {
    return this.rows.length;
  }

  getString(options: GetStringOptions = {}): string {
    if (this.rows.length === 0 && !this.printEmpty) return '';

    let rows = this.rows;
    if (options.sortBy !== undefined) {
      const index = this.fieldNames.indexOf(options.sortBy);
      if (index < 0) throw new RangeError(`Invalid field name: ${options.sortBy}`);
      // Python sorts the rows decorated as [row[index]] + row: the key first, then the whole row.
      rows = [...rows].sort((a, b) => {
        const byKey = comparePy(a[index], b[index]);
        if (byKey !== 0) return byKey;
        for (let i = 0; i < a.length; i++) {
          const byCell = comparePy(a[i], b[i]);
          if (byCell !== 0) return byCell;
        }
        return 0;
      });
    }
    const formatted = rows.map((row) => row.map((cell) => pyStr(cell, { lenient: true })));
    const widths = this.computeWidths(formatted);
    const hrule = '+' + widths.map((width) => '-'.repeat(width + 2)).join('+') + '+';

    const lines = [hrule, this.stringifyHeader(widths), hrule];
    for (const row of formatted) lines.push(this.stringifyRow(row, widths));
    lines.push(hrule);
    return lines.join('\n');
  }

  private computeWidths(rows: string[][]): number[] {
    const widths = this.fieldNames.map((field) => blockSize(field).width);
    for (const row of rows) {
      row.forEach((value, index) => {
        const cap = this.maxWidth.get(this.fieldNames[index]);
        const width = blockSize(value).width;
        widths[index] = Math.max(widths[index], cap === undefined ? width : Math.min(width, cap));
      });
    }
    return widths;
  }

  private stringifyHeader(widths: number[]): string {
    const cells = this.fieldNames.map((field, index) => {
      const width = widths[index];
      const name = wcswidth(field) > width ? Array.from(field).slice(0, width).join('') : field;
      return ' ' + justify(name, width, this.align.get(field)!) + ' ';
    });
    return '|' + cells.join('|') + '|';
  }

  private stringifyRow(row: string[], widths: number[]): string {
    const cells = row.map((value, index) =>
      value
        .split('\n')
        .map((line) => (wcswidth(line) > widths[index] ? fill(line, widths[index]) : line))
        .join('\n')
        .split('\n'),
    );
    const height = Math.max(...cells.map((lines) => lines.length));
    const out: string[] = [];
    for (let y = 0; y < height; y++) {
      const parts = cells.map((lines, index) => {
        const field = this.fieldNames[index];
        return ' ' + justify(lines[y] ?? '', widths[index], this.align.get(field)!) + ' ';
      });
      out.push('|' + parts.join('|') + '|');
    }
    return out.join('\n');
  }
}
