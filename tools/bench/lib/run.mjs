// What a benchmark run sets up and tears down: its random source data, the API it starts (token
// file, configuration, process), and a cleanup that runs once however the script ends (normally, on an error, on Ctrl-C).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Writes `size` random bytes to `path` (16 MiB at a time; the time this takes is never measured). */
export function writeRandomFile(path, size) {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  try {
    for (let written = 0; written < size; written += chunk.length) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, Math.min(chunk.length, size - written));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Settles the machine before a measured write of as many bytes as `file` holds: `sync` (no write
 * waits for an earlier one's writeback), then a copy of `file` written to `scratch` and deleted, so
 * that the measured write lands in page-cache pages freed a moment before. This VM hands memory
 * freed in the guest back to its host within seconds (free page reporting) and touching it again
 * costs the guest's kernel: without this, the order of the work decides who pays.
 */
export function settleBeforeWrite(file, scratch) {
  execFileSync('sync');
  execFileSync('cp', [file, scratch]);
  rmSync(scratch);
}

/** `<dir>/tokens.yaml` for the API under test: one token with the given roles. */
export function writeBenchTokens(dir, token, roles) {
  writeFileSync(
    join(dir, 'tokens.yaml'),
    `tokens:\n  ${token}:\n    user_id: ${token}\n    project_id: ${token}\n    roles: [${roles.join(', ')}]\n`,
  );
}

/** Runs `cleanup` once: at exit, or on SIGINT/SIGTERM/SIGHUP (then exits with 130). */
export function cleanupOnExit(cleanup) {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cleanup();
  };
  process.on('exit', once);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      once();
      process.exit(130);
    });
  }
  return once;
}

const apiMain = join(dirname(fileURLToPath(import.meta.url)), '../../../apps/api/dist/main.js');

/**
 * Starts the built API for a benchmark in `dir`: a token file (`token` with `roles`; `auth`, the
 * text of the auth sections, replaces token_file authentication) and a glance-api.conf on loopback `port` with `workers`, the stores `{ id: { type, options } }` (the
 * first is the default), `database` (default: SQLite in `dir`) and `databasePoolSize` (`[database]
 * max_pool_size`, unset: the service's default); `main` is the built API to run
 * (default: this checkout's). With `traceGc` the API runs with --trace-gc and the returned process
 * counts V8's full collections in `markCompacts`. Resolves once it answers.
 */
export async function startBenchApi(
  dir,
  { port, workers, token, roles, stores, database, databasePoolSize, auth, main = apiMain, traceGc = false },
) {
  writeBenchTokens(dir, token, roles);
  const ids = Object.keys(stores);
  const sections = Object.entries(stores).map(
    ([id, { options }]) =>
      `[${id}]\n${Object.entries(options)
        .map(([key, value]) => `${key} = ${value}`)
        .join('\n')}\n`,
  );
  writeFileSync(
    join(dir, 'glance-api.conf'),
    `[DEFAULT]
bind_host = 127.0.0.1
bind_port = ${port}
workers = ${workers}
enabled_backends = ${ids.map((id) => `${id}:${stores[id].type}`).join(', ')}
[glance_store]
default_backend = ${ids[0]}
${sections.join('')}${auth ?? '[auth]\nstrategy = token_file\ntoken_file = tokens.yaml\n'}[database]
connection = ${database ?? `sqlite:///${join(dir, 'glance.sqlite')}`}
${databasePoolSize ? `max_pool_size = ${databasePoolSize}\n` : ''}`,
  );
  const api = spawn(
    process.execPath,
    [
      ...(traceGc ? ['--trace-gc'] : []),
      ...(process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean),
      main,
      '--config-file',
      join(dir, 'glance-api.conf'),
    ],
    { stdio: ['ignore', traceGc ? 'pipe' : 'ignore', 'inherit'] },
  );
  if (traceGc) {
    // V8 writes one line per collection on stdout (the log goes there too).
    api.markCompacts = 0;
    let partial = '';
    api.stdout.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) if (line.includes('Mark-Compact')) api.markCompacts += 1;
    });
  }
  try {
    await waitForAnswer(`http://127.0.0.1:${port}/versions`, api, 'the API');
  } catch (error) {
    api.kill('SIGTERM');
    throw error;
  }
  return api;
}

/**
 * Resolves once `url` answers 2xx; fails when `child` (the server) exits or after 30 s, naming
 * `what` (and `hint`, where to look).
 */
export async function waitForAnswer(url, child, what, hint = '') {
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) at start${hint}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (tries > 300) throw new Error(`${what} did not start${hint}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
