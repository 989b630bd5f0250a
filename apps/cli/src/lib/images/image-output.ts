// How the image commands print images: glanceclient 4.1's utils.print_image / print_list by
// default, or rows for the openstackclient-style formatters (-f/-c).
import { comparePyStr, isDictLike, PyDict, PyFloat, pyTruthy } from '@glance-ts/pycompat';
import { CliError } from '../errors';
import {
  type Cell,
  DictColumn,
  ListColumn,
  type ListOutput,
  type OutputFormat,
  renderShow,
  selectColumns,
} from '../output/formatters';
import { printDict, printList } from '../output/glanceclient';
import type { ImageBody } from './images-api';

/** Keys print_image leaves out: links and the legacy v1 "access". */
const NOT_PRINTED = ['self', 'access', 'file', 'schema'];

/** Python's '%.1f' % x: correctly rounded, exact ties to even (JavaScript's toFixed rounds them up). */
export function formatOneDecimal(x: number): string {
  const scaled = x * 10;
  if (Number.isInteger(scaled * 2) && !Number.isInteger(scaled)) {
    const floor = Math.floor(scaled);
    const even = floor % 2 === 0 ? floor : floor + 1;
    return (even / 10).toFixed(1);
  }
  return x.toFixed(1);
}

function toNumber(value: unknown): number {
  if (value instanceof PyFloat) return value.value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  return Number(value ?? 0);
}

/** utils.make_size_human_readable: 1024-based, one decimal without trailing zeros ("1.5MB", "12B"). */
export function makeSizeHumanReadable(size: unknown): string {
  const suffixes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB'];
  let value = size === null || size === undefined ? 0 : toNumber(size);
  let index = 0;
  while (value >= 1024) {
    index++;
    value = value / 1024;
  }
  // glanceclient fails past zettabytes (IndexError); nothing real is that big.
  if (index >= suffixes.length) throw new CliError('list index out of range');
  const stripped = formatOneDecimal(value).replace(/0+$/, '').replace(/\.$/, '');
  return `${stripped}${suffixes[index]}`;
}

export interface PrintImageOptions {
  humanReadable?: boolean;
  /** Column width of the table; glanceclient applies it only when it is a non-negative integer. */
  maxColumnWidth?: number | bigint;
}

/** The attributes print_image shows, with its substitutions (virtual_size, human-readable size). */
function printedAttributes(image: ImageBody, options: PrintImageOptions): PyDict {
  const shown = new PyDict();
  for (const [key, value] of image.py) if (!NOT_PRINTED.includes(key)) shown.set(key, value);
  if (shown.has('virtual_size') && !pyTruthy(shown.get('virtual_size')))
    shown.set('virtual_size', 'Not available');
  if (options.humanReadable) {
    // glanceclient reads image['size'] and fails with KeyError when the server left it out.
    if (!shown.has('size')) throw new CliError("'size'");
    shown.set('size', makeSizeHumanReadable(shown.get('size')));
  }
  return shown;
}

/** utils.print_image: a Property/Value table of the image, without the final newline. */
export function printImage(image: ImageBody, options: PrintImageOptions = {}): string {
  const width = options.maxColumnWidth;
  const applies = width !== undefined && width >= 0;
  return printDict(printedAttributes(image, options), applies ? Number(width) : 80);
}

function cell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return new ListColumn(value);
  if (isDictLike(value)) return new DictColumn(value as Record<string, unknown>);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

/**
 * One image for -f/-c (cliff's ShowOne): the attributes print_image shows, sorted by name; values
 * as the server sent them (null stays null), lists and objects as such for json and yaml.
 */
export function imageShowOutput(image: ImageBody, options: PrintImageOptions = {}): ListOutput {
  const shown = printedAttributes(image, { humanReadable: options.humanReadable });
  const columns = [...shown.keys()].sort(comparePyStr);
  const row = columns.map((column) => {
    if (column === 'size' && options.humanReadable) return cell(shown.get('size'));
    return cell(image.json[column]);
  });
  return { columns, rows: [row] };
}

/**
 * An image as image-show, image-create and image-update print it: glanceclient's table, or with
 * -f one record of the columns -c keeps. Ends with a newline.
 */
export async function imageText(
  image: ImageBody,
  format: OutputFormat | undefined,
  columns: readonly string[],
  options: PrintImageOptions & { fitWidth?: number } = {},
): Promise<string> {
  if (format === undefined) return printImage(image, options) + '\n';
  const record = selectColumns(imageShowOutput(image, options), columns);
  return renderShow(format, record, { fitWidth: options.fitWidth });
}

/** image-list's columns: ID and Name; with --verbose the details; with --include-stores Stores. */
export function imageListColumns(verbose: boolean, includeStores: boolean): string[] {
  return [
    'ID',
    'Name',
    ...(verbose ? ['Disk_format', 'Container_format', 'Size', 'Status', 'Owner'] : []),
    ...(includeStores ? ['Stores'] : []),
  ];
}

/** print_list's attribute for a column: "Disk_format" reads disk_format. */
function attributeOf(column: string): string {
  return column.toLowerCase().replace(/ /g, '_');
}

/** glanceclient's table of images (utils.print_list), without the final newline. */
export function printImageList(images: readonly ImageBody[], columns: readonly string[]): string {
  return printList(
    images.map((image) => image.py),
    columns,
  );
}

/** The same listing as rows for -f/-c: the server's values, null where it sent none. */
export function imageListOutput(images: readonly ImageBody[], columns: readonly string[]): ListOutput {
  return {
    columns,
    rows: images.map((image) => columns.map((column) => cell(image.json[attributeOf(column)]))),
  };
}
