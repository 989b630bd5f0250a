// glanceclient.common.utils' printers (python-glanceclient 4.1), which give `glance` its output.
// They return the text without print()'s final newline.
import { dictEntries, dumps, isDictLike, type PyDict, pyTruthy } from '@glance-ts/pycompat';
import { PrettyTable } from './prettytable';

/**
 * utils.print_dict(d, max_column_width=80): a Property/Value table sorted by property, where
 * dicts and lists are shown as json.dumps() text and every column wraps at the width.
 */
export function printDict(dict: PyDict | Record<string, unknown>, maxColumnWidth = 80): string {
  const table = new PrettyTable(['Property', 'Value'], { align: 'l', maxWidth: maxColumnWidth });
  for (const [key, value] of dictEntries(dict, { lenient: true })) {
    table.addRow([key, Array.isArray(value) || isDictLike(value) ? dumps(value, { lenient: true }) : value]);
  }
  return table.getString({ sortBy: 'Property' });
}

/** Turns one object into the cell of a print_list column (glanceclient's `formatters`). */
export type ColumnFormatter<T> = (item: T) => unknown;

/**
 * utils.print_list(objs, fields, formatters): one row per object, left-aligned, no width cap.
 * A field "Disk Format" reads attribute disk_format; falsy values (0, false, null, '') print as ''.
 */
export function printList<T extends object>(
  items: readonly T[],
  fields: readonly string[],
  formatters: Partial<Record<string, ColumnFormatter<T>>> = {},
): string {
  const table = new PrettyTable(fields, { align: 'l' });
  for (const item of items) {
    table.addRow(
      fields.map((field) => {
        const formatter = formatters[field];
        if (formatter) return formatter(item);
        const attribute = field.toLowerCase().replace(/ /g, '_');
        const value =
          item instanceof Map ? item.get(attribute) : (item as Record<string, unknown>)[attribute];
        return pyTruthy(value) ? value : '';
      }),
    );
  }
  return table.getString();
}
