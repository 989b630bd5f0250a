import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The one way specs ask CPython: a batch of requests to python_oracle.py (Python's own behaviours:
 * repr, pprint, json, textwrap, wcwidth, int(), str methods, iso8601, urlencode, jsonschema),
 * optionally extended by a project's own Python file for its peers (glanceclient, oslo.policy).
 * One process answers the whole batch, one JSON line per request.
 *
 * Debian's interpreter on purpose: a pyenv or venv python3 first on PATH does not see the Debian
 * packages (python3-glanceclient, python3-oslo.policy...) the reference behaviour comes from.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

// Next to this file in src/testing; from the build (dist/testing), the source's copy.
const ORACLE = [
  join(__dirname, 'python_oracle.py'),
  join(__dirname, '../../src/testing/python_oracle.py'),
].find((path) => existsSync(path)) as string;

/** `op` names what to compute (python_oracle.py lists them); the rest are its arguments. */
export type OracleRequest = { readonly op: string } & Readonly<Record<string, unknown>>;

/** What the op returned, or the exception it raised as `"Type: message"`. */
export type OracleAnswer = { readonly ok: unknown } | { readonly error: string };

export interface OracleOptions {
  /** Python files adding ops (each defines an `OPS` dict), loaded in order. */
  readonly extensions?: readonly string[];
}

/**
 * Fails (never skips) when /usr/bin/python3 cannot import one of `modules`: the comparison is the
 * point of a differential test. `installHint` says what to install.
 */
export function assertPythonModules(modules: readonly string[], installHint: string): void {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${SYSTEM_PYTHON} cannot import ${modules.join(', ')}: ${installHint}`);
  }
}

/** Sends every request to one oracle process and returns its answers, in order. */
export function askPythonOracle(
  requests: readonly OracleRequest[],
  options: OracleOptions = {},
): OracleAnswer[] {
  // A private HOME: no library may read or write the user's files (~/.glanceclient and the like).
  const home = mkdtempSync(join(tmpdir(), 'pycompat-oracle-'));
  let run: SpawnSyncReturns<string>;
  try {
    run = spawnSync(SYSTEM_PYTHON, [ORACLE, ...(options.extensions ?? [])], {
      input: requests.map((request) => JSON.stringify(request)).join('\n') + '\n',
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      // No __pycache__ left beside the extensions in the checkout.
      env: { PATH: '/usr/bin:/bin', HOME: home, PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' },
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  if (run.error || run.status !== 0) {
    const reason = run.error?.message ?? run.stderr.trim().split('\n').at(-1);
    throw new Error(`the Python oracle failed (${run.status}): ${reason}`);
  }
  const answers = run.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OracleAnswer);
  if (answers.length !== requests.length) {
    throw new Error(`the Python oracle answered ${answers.length} of ${requests.length} requests`);
  }
  return answers;
}

/** The answer's value; an exception Python raised becomes a thrown Error. */
export function oracleValue(answer: OracleAnswer): unknown {
  if ('error' in answer) throw new Error(`Python raised ${answer.error}`);
  return answer.ok;
}
