// What a benchmark run sets up and tears down: its random source data, the token file of the API it
// starts, and a cleanup that runs once however the script ends (normally, on an error, on Ctrl-C).
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';

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
