// Runs Debian's python-glanceclient 4.1 (/usr/bin/glance) and the built glance-ts CLI the same
// way — fresh HOME, same stdin — so that a test can compare what they print. Asynchronous: the API
// under test runs in the test's own process.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './run-cli';

export const PYTHON_GLANCE = '/usr/bin/glance';

export interface ClientRun {
  stdout: string;
  stderr: string;
  status: number | null;
}

export interface RunOptions {
  /**
   * What stdin is: 'closed' (`<&-`, as at a terminal with nothing piped in: neither client reads
   * image data then) or the path of a file to redirect from. Default 'closed'.
   */
  stdin?: 'closed' | { file: string };
  /** stdout as bytes (latin1 string), for image data. */
  binaryStdout?: boolean;
  env?: Record<string, string>;
}

function run(program: string[], args: readonly string[], options: RunOptions, env: Record<string, string>) {
  const home = mkdtempSync(join(tmpdir(), 'glance-both-'));
  const stdin = options.stdin ?? 'closed';
  const redirect = stdin === 'closed' ? '<&-' : '<"$GLANCE_TEST_STDIN"';
  return new Promise<ClientRun>((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', `exec "$@" ${redirect}`, 'sh', ...program, ...args],
      {
        encoding: options.binaryStdout ? 'latin1' : 'utf8',
        env: {
          ...env,
          HOME: home,
          ...(stdin === 'closed' ? {} : { GLANCE_TEST_STDIN: stdin.file }),
          ...options.env,
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        rmSync(home, { recursive: true, force: true });
        const status = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr), status });
      },
    );
  });
}

/** `glance --os-image-url URL <args>` with python-glanceclient. */
export function glanceclient(
  url: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ClientRun> {
  if (!existsSync(PYTHON_GLANCE))
    throw new Error('python3-glanceclient is required: apt-get install -y python3-glanceclient');
  return run([PYTHON_GLANCE, '--os-image-url', url], args, options, {
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
  });
}

/** The same with the built glance-ts CLI. */
export function glanceTs(url: string, args: readonly string[], options: RunOptions = {}): Promise<ClientRun> {
  return run([process.execPath, CLI, '--os-image-url', url], args, options, {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  });
}

/** Both clients, one after the other (never in parallel: they may change the same images). */
export async function bothClients(url: string, args: readonly string[], options: RunOptions = {}) {
  const theirs = await glanceclient(url, args, options);
  const ours = await glanceTs(url, args, options);
  return { theirs, ours };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g;

/**
 * Output of the same command on two different images made alike: ids and timestamps replaced by
 * placeholders of the same width, so that tables keep their layout.
 */
export function withoutIdentity(run: ClientRun): ClientRun {
  const scrub = (text: string) =>
    text.replace(UUID, 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx').replace(TIMESTAMP, '0000-00-00T00:00:00Z');
  return { ...run, stdout: scrub(run.stdout), stderr: scrub(run.stderr) };
}

/** Both clients run `args` one after the other; they must print the same bytes and exit alike. Ours. */
export async function expectSameRun(url: string, args: readonly string[]): Promise<ClientRun> {
  const { theirs, ours } = await bothClients(url, args);
  expect(ours).toEqual(theirs);
  return ours;
}

/**
 * glanceclient runs `args(ids[0])` and ours `args(ids[1])`, on two images made alike: the same
 * output once ids and timestamps are masked (withoutIdentity).
 */
export async function expectSameRunOnEach(
  url: string,
  ids: readonly [string, string],
  args: (id: string) => string[],
): Promise<{ theirs: ClientRun; ours: ClientRun }> {
  const theirs = await glanceclient(url, args(ids[0]));
  const ours = await glanceTs(url, args(ids[1]));
  expect(withoutIdentity(ours)).toEqual(withoutIdentity(theirs));
  return { theirs, ours };
}
