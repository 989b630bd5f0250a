// openstackclient-style output (cliff's Lister formatters) for scripts: -f table|json|yaml|value
// and -c COLUMN. The texts follow cliff 4 and osc-lib:
//   table  prettytable, each column aligned by the type of its first value (numbers right),
//          fitted to the terminal like cliff when stdout is a TTY; ends with a newline
//   json   json.dump(rows, indent=2) + "\n": an array of objects keyed by column name, in
//          column order, with booleans, numbers, null and nested objects as such
//   yaml   the same rows as YAML (block style), keys in column order
//   value  the cells of each row joined by spaces, one row per line
// A missing value is null in json/yaml and empty in table/value (osc's get_item_properties
// gives '' for absent attributes). Dict cells print as key='value', ... for humans.
import { comparePyStr, dumps, pyStr, pyStrRepr } from '@glance-ts/pycompat';
import { CliError } from '../errors';
import { PrettyTable, type Alignment } from './prettytable';

export const OUTPUT_FORMATS = ['json', 'table', 'value', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** osc-lib's format_dict: "key='value', nested.key='v', none=" sorted by key. */
export function formatDict(data: Record<string, unknown>, prefix?: string): string {
  let output = '';
  for (const key of Object.keys(data).sort(comparePyStr)) {
    const keyText = prefix ? `${prefix}.${key}` : key;
    const value = data[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      output += formatDict(value as Record<string, unknown>, keyText) + ', ';
    } else if (value !== null && value !== undefined) {
      output += `${keyText}='${pyStr(value, { lenient: true })}', `;
    } else {
      output += `${keyText}=, `;
    }
  }
  return output.slice(0, -2);
}

/** A dict-valued cell (osc-lib's DictColumn): key='value' text for people, the object for machines. */
export class DictColumn {
  constructor(readonly value: Record<string, unknown>) {}

  humanReadable(): string {
    return formatDict(this.value);
  }

  machineReadable(): Record<string, unknown> {
    return this.value;
  }
}

/** A list-valued cell (osc-lib's ListColumn): "a, b" (sorted) for people, the array for machines. */
export class ListColumn {
  constructor(readonly value: readonly unknown[]) {}

  humanReadable(): string {
    return this.value
      .map((item) => pyStr(item, { lenient: true }))
      .sort(comparePyStr)
      .join(', ');
  }

  machineReadable(): readonly unknown[] {
    return this.value;
  }
}

export type Cell = string | number | boolean | null | DictColumn | ListColumn;

export interface ListOutput {
  columns: readonly string[];
  rows: readonly Cell[][];
}

/**
 * cliff's -c handling: keep the requested columns in the command's column order, ignore unknown
 * ones, and fail only when none is recognised.
 */
export function selectColumns(output: ListOutput, requested: readonly string[]): ListOutput {
  if (requested.length === 0) return output;
  const keep = output.columns.map((name) => requested.includes(name));
  if (!keep.includes(true)) {
    const names = output.columns.map(pyStrRepr);
    const recognised = `(${names.join(', ')}${names.length === 1 ? ',' : ''})`;
    throw new CliError(
      `No recognized column names in [${requested.map(pyStrRepr).join(', ')}]. Recognized columns are ${recognised}.`,
    );
  }
  return {
    columns: output.columns.filter((_, index) => keep[index]),
    rows: output.rows.map((row) => row.filter((_, index) => keep[index])),
  };
}

function humanText(cell: Cell): string | number | boolean {
  if (cell === null) return '';
  if (cell instanceof DictColumn || cell instanceof ListColumn) return cell.humanReadable();
  // cliff's table formatter: Windows and old Mac line ends must not reach the terminal.
  if (typeof cell === 'string') return cell.replace(/\r\n/g, '\n').replace(/\r/g, ' ');
  return cell;
}

function machineValue(cell: Cell): unknown {
  return cell instanceof DictColumn || cell instanceof ListColumn ? cell.machineReadable() : cell;
}

/** cliff's TableFormatter._assign_max_widths: shrink the widest columns to fit `termWidth`. */
function fitToWidth(table: PrettyTable, columns: readonly string[], termWidth: number, minWidth = 8): void {
  const firstLine = table.getString().split('\n')[0];
  if (Array.from(firstLine).length <= termWidth) return;
  const usableTotalWidth = Math.max(0, termWidth - 1 - 3 * columns.length);
  const optimalWidth = Math.max(0, Math.floor(usableTotalWidth / columns.length));
  const fieldWidths = firstLine
    .split('+')
    .slice(1, -1)
    .map((segment) => Math.max(0, segment.length - 2));
  const shrink: string[] = [];
  let remaining = usableTotalWidth;
  columns.forEach((column, index) => {
    if (fieldWidths[index] <= optimalWidth) remaining -= fieldWidths[index];
    else shrink.push(column);
  });
  const shrinkTo = Math.floor(remaining / shrink.length);
  for (const column of shrink.slice(0, -1)) {
    table.setMaxWidth(column, Math.max(minWidth, shrinkTo));
    remaining -= shrinkTo;
  }
  table.setMaxWidth(shrink[shrink.length - 1], Math.max(minWidth, remaining));
}

export interface RenderOptions {
  /** Terminal width to fit tables into (cliff does when stdout is a TTY); none: no fitting. */
  fitWidth?: number;
}

function renderTable(output: ListOutput, options: RenderOptions): string {
  // print_empty=False: a table without rows is just the final newline.
  if (output.rows.length === 0) return '\n';
  const table = new PrettyTable(output.columns);
  output.columns.forEach((column, index) => {
    const first = output.rows[0][index];
    const align: Alignment = typeof first === 'number' ? 'r' : 'l';
    table.setAlign(column, align);
  });
  for (const row of output.rows) table.addRow(row.map(humanText));
  if (options.fitWidth && options.fitWidth > 0) fitToWidth(table, output.columns, options.fitWidth);
  return table.getString() + '\n';
}

async function renderYaml(records: Record<string, unknown>[] | Record<string, unknown>): Promise<string> {
  // Loaded only when asked for: the yaml package is the biggest module the CLI uses.
  const { stringify } = await import('yaml');
  return stringify(records);
}

/** The text cliff's formatter `format` prints for these rows. */
export async function renderList(
  format: OutputFormat,
  output: ListOutput,
  options: RenderOptions = {},
): Promise<string> {
  const records = () =>
    output.rows.map((row) =>
      Object.fromEntries(output.columns.map((column, index) => [column, machineValue(row[index])])),
    );
  switch (format) {
    case 'table':
      return renderTable(output, options);
    case 'json':
      return dumps(records(), { indent: 2, lenient: true }) + '\n';
    case 'yaml':
      return output.rows.length === 0 ? '[]\n' : renderYaml(records());
    case 'value':
      return output.rows
        .map((row) => row.map((cell) => pyStr(humanText(cell), { lenient: true })).join(' ') + '\n')
        .join('');
  }
}

/**
 * The text cliff's ShowOne formatter `format` prints for one object: `output` has a single row,
 * whose cells are the values of the columns. table is a Field/Value table, json and yaml an
 * object keyed by column name (in column order), value one value per line.
 */
export async function renderShow(
  format: OutputFormat,
  output: ListOutput,
  options: RenderOptions = {},
): Promise<string> {
  const values = output.rows[0] ?? [];
  const record = () =>
    Object.fromEntries(output.columns.map((column, index) => [column, machineValue(values[index])]));
  switch (format) {
    case 'table': {
      // print_empty=False, as for lists.
      if (output.columns.length === 0) return '\n';
      const table = new PrettyTable(['Field', 'Value'], { align: 'l' });
      output.columns.forEach((column, index) => table.addRow([column, humanText(values[index])]));
      if (options.fitWidth && options.fitWidth > 0) fitToWidth(table, ['Field', 'Value'], options.fitWidth);
      return table.getString() + '\n';
    }
    case 'json':
      return dumps(record(), { indent: 2, lenient: true }) + '\n';
    case 'yaml':
      return renderYaml(record());
    case 'value':
      return values.map((cell) => pyStr(humanText(cell), { lenient: true }) + '\n').join('');
  }
}
