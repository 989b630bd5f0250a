// Runs the BUILT CLI (apps/cli/bin/run.js -> dist/) as users do, in a child process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve(__dirname, '../../bin/run.js');

export interface CliResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * `glance <args>` with a clean environment: no OS_* or GLANCECLIENT_* variables leak in from
 * the developer's shell, and HOME is private (oclif may write its config/cache there).
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const home = mkdtempSync(join(tmpdir(), 'glance-cli-'));
  const removeHome = () => rmSync(home, { recursive: true, force: true });
  return new Promise<CliResult>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ stdout, stderr, status }));
  }).finally(removeHome);
}
