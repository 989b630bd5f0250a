// The CLI's peers in the differential tests: python-glanceclient 4.1, prettytable and argparse,
// as ops glanceclient_oracle.py adds to @glance-ts/pycompat's Python oracle (which also answers
// repr, pformat, dumps, fill and wcswidth).
import { join } from 'node:path';
import { askPythonOracle, assertPythonModules, type OracleAnswer } from '@glance-ts/pycompat/testing';
import type { HelpPage } from '../../src/lib/help/argparse-format';

export type GlanceclientRequest =
  | { op: 'print_dict'; input: string }
  | { op: 'print_list'; input: string; fields: string[] }
  | { op: 'help'; page: HelpPage; columns: number }
  | { op: 'print_image'; input: string; human_readable?: boolean; max_col_width?: number }
  | { op: 'size'; input: string }
  | { op: 'pformat'; input: string; width?: number }
  | { op: 'warlock'; schema: string; key: string; value: string }
  | { op: 'patch'; schema: string; current: string; fields: string; remove: string[] }
  | {
      op: 'table';
      fields: string[];
      rows: string;
      align?: Record<string, string>;
      max_width?: Record<string, number>;
      sortby?: string;
    };

/** Fails (never skips) when the reference libraries are missing: the comparison is the point. */
export function askGlanceclient(requests: readonly GlanceclientRequest[]): OracleAnswer[] {
  assertPythonModules(
    ['prettytable', 'wcwidth', 'glanceclient.common.utils'],
    'apt-get install -y python3-glanceclient python3-prettytable',
  );
  return askPythonOracle(requests, { extensions: [join(__dirname, 'glanceclient_oracle.py')] });
}
