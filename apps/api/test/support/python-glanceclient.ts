import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON_GLANCE = '/usr/bin/glance';

export interface ProcessResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * Runs Debian's python-glanceclient (`glance`) asynchronously — the API under test lives in this
 * same process, so a synchronous spawn would deadlock it. A fresh HOME per run: glanceclient
 * caches the image schema there (see the reference's notes on the --stores conflict).
 */
export async function pythonGlance(
  imageUrl: string,
  args: readonly string[],
  options: { home?: string } = {},
): Promise<ProcessResult> {
  if (!existsSync(PYTHON_GLANCE))
    throw new Error('python3-glanceclient is required: apt-get install -y python3-glanceclient');
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'glanceclient-home-'));
  try {
    return await new Promise((resolve) => {
      // stdin closed (`<&-`), as for a user at a terminal with nothing piped in: glanceclient reads
      // image data from any stdin that is not a TTY, which would turn image-create into an upload.
      execFile(
        '/bin/sh',
        ['-c', 'exec "$0" "$@" <&-', PYTHON_GLANCE, '--os-image-url', imageUrl, ...args],
        { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' }, timeout: 30000 },
        (error, stdout, stderr) => {
          const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
          resolve({ stdout, stderr, status: code });
        },
      );
    });
  } finally {
    if (!options.home) rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Runs a Python snippet with Debian's interpreter (which has glanceclient and its libraries)
 * asynchronously, for the same reason as pythonGlance.
 */
export function runPython(code: string, args: readonly string[] = []): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/python3',
      ['-c', code, ...args],
      { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, timeout: 30000 },
      (error, stdout, stderr) => {
        const status = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ stdout, stderr, status });
      },
    );
  });
}
