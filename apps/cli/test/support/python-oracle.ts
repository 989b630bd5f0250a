// Runs the real python-glanceclient / prettytable / textwrap / json on a batch of cases.
// Debian's interpreter on purpose: a pyenv or venv python3 first on PATH does not see the
// python3-glanceclient and python3-prettytable packages the reference output comes from.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HelpPage } from '../../src/lib/help/argparse-format';

export const SYSTEM_PYTHON = '/usr/bin/python3';
const ORACLE = join(__dirname, 'python-oracle.py');
const INSTALL_HINT =
  `${SYSTEM_PYTHON} cannot import glanceclient/prettytable/wcwidth: ` +
  'apt-get install -y python3-glanceclient python3-prettytable';

export type OracleCase =
  | { kind: 'print_dict'; input: string }
  | { kind: 'print_list'; input: string; fields: string[] }
  | { kind: 'dumps'; input: string; indent?: number }
  | { kind: 'repr'; input: string }
  | { kind: 'fill'; text: string; width: number }
  | { kind: 'wcswidth'; text: string }
  | OracleHelpCase
  | { kind: 'print_image'; input: string; human_readable?: boolean; max_col_width?: number }
  | { kind: 'size'; input: string }
  | { kind: 'pformat'; input: string }
  | { kind: 'warlock'; schema: string; key: string; value: string }
  | { kind: 'patch'; schema: string; current: string; fields: string; remove: string[] }
  | {
      kind: 'table';
      fields: string[];
      rows: string;
      align?: Record<string, string>;
      max_width?: Record<string, number>;
      sortby?: string;
    };

export type OracleHelpCase = { kind: 'help'; page: HelpPage; columns: number };
export type OracleResult = { ok: string | number } | { error: string };

/** Fails (never skips) when the reference libraries are missing: the comparison is the point. */
export function assertOracleAvailable(): void {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import prettytable, wcwidth, glanceclient.common.utils'], {
    encoding: 'utf8',
  });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
}

export function runOracle(cases: OracleCase[]): OracleResult[] {
  // A private HOME: glanceclient must not read or write the user's ~/.glanceclient.
  const home = mkdtempSync(join(tmpdir(), 'glance-oracle-'));
  let result: SpawnSyncReturns<string>;
  try {
    result = spawnSync(SYSTEM_PYTHON, [ORACLE], {
      input: JSON.stringify({ cases }),
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { PATH: '/usr/bin:/bin', HOME: home, PYTHONIOENCODING: 'utf-8' },
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  if (result.error || result.status !== 0) {
    throw new Error(`python oracle failed (${result.status}): ${result.error?.message ?? result.stderr}`);
  }
  return JSON.parse(result.stdout) as OracleResult[];
}
