#!/usr/bin/env node
// Runs every command of the README as a new user would, and compares the outputs it shows:
// `npm run readme:check` (part of `npm test`, after the build).
//
// Each fenced block in README.md is preceded by a marker saying what it is:
//   <!-- readme-check: run -->       shell commands; each must exit 0
//   <!-- readme-check: console -->   `$ command` lines followed by the output they must print
//                                    (stdout and stderr together); a line `...` matches any lines
//   <!-- readme-check: ini -->       a glance-api.conf example: the service's loader must accept it
//                                    without warnings, and no value may hold a `#` (oslo.config has
//                                    no inline comments: they would be part of the value)
//   <!-- readme-check: tokens -->    a token file example: the service's loader must accept it
//   <!-- readme-check: skip REASON --> not run, for the reason given
// A block without a marker fails the check, so a new README command cannot go untested unseen.
//
// Where the commands run: a copy of the checkout (tracked and untracked, not ignored files) in a
// temporary directory, with the checkout's installed node_modules linked in (the workspace packages
// pointing at the copy), a fresh data/ and HOME, and the embedded default configuration listening on
// a free port instead of 9292. Commands run one after another in one shell state (variables and
// `export`s carry over, as in a terminal). What the check changes in a command, and only this:
//   - `127.0.0.1:9292` becomes the free port;
//   - `npm ci` is not run: the copy uses the checkout's node_modules, installed before;
//   - `npm test` is not run: it is the command that runs this check;
//   - `npm start` runs in the background, and the check waits until the API answers;
//   - a UUID printed where the README shows one stands for it in the commands that follow;
//   - in outputs, the copy's path reads `<checkout>`.
// npm keeps the user's configuration and cache, and prefers that cache (CI machines may have no
// registry: `npm ci` filled the cache before). Everything is removed at the end, the service
// stopped, whatever the outcome.
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const readmePath = join(root, 'README.md');
const COMMAND_TIMEOUT_MS = 240_000;
const SERVICE_START_TIMEOUT_MS = 240_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The README's fenced blocks with their markers. */
export function readBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const start = i;
    const body = [];
    for (i++; i < lines.length && lines[i].trim() !== fence; i++) body.push(lines[i].slice(indent.length));
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: a code block that never closes`);
    let previous = start - 1;
    while (previous >= 0 && lines[previous].trim() === '') previous--;
    const marker = /^\s*<!-- readme-check: (\w+)\s*(.*?)\s*-->\s*$/.exec(lines[previous] ?? '');
    if (!marker) {
      throw new Error(
        `README.md:${start + 1}: a \`\`\`${lang} block without a <!-- readme-check: ... --> marker on the line before`,
      );
    }
    const [, kind, note] = marker;
    if (!['run', 'console', 'ini', 'tokens', 'skip'].includes(kind))
      throw new Error(`README.md:${previous + 1}: unknown readme-check kind "${kind}"`);
    if (kind === 'skip' && !note) throw new Error(`README.md:${previous + 1}: a skip needs its reason`);
    blocks.push({ line: start + 1, lang, kind, note, body });
  }
  return blocks;
}

/** Shell lines joined at trailing backslashes; comment-only and blank lines dropped. */
function shellCommands(lines, firstLine) {
  const commands = [];
  let current = null;
  lines.forEach((text, index) => {
    if (current === null) {
      if (text.trim() === '' || text.trim().startsWith('#')) return;
      current = { line: firstLine + index, text: '' };
    }
    if (text.endsWith('\\')) {
      current.text += `${text}\n`; // bash joins the lines itself
    } else {
      current.text += text;
      commands.push(current);
      current = null;
    }
  });
  if (current) commands.push(current);
  return commands;
}

/** `$ command` lines (with their continuation lines) and the output shown after each. */
function consoleSteps(lines, firstLine) {
  const steps = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('$ ')) {
      if (steps.length === 0) throw new Error(`README.md:${firstLine + i}: output before any "$ " command`);
      steps[steps.length - 1].expected.push(lines[i]);
      continue;
    }
    const step = { line: firstLine + i, text: lines[i].slice(2), expected: [] };
    while (step.text.endsWith('\\') && i + 1 < lines.length) step.text += `\n${lines[++i]}`;
    steps.push(step);
  }
  return steps;
}

const trimLines = (lines) => {
  const out = lines.map((line) => line.replace(/\s+$/, ''));
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
};

/**
 * Compares an output with what the README shows. UUIDs shown match any UUID (and are remembered:
 * later commands get the real one); `...` matches any number of lines. Returns null when they
 * match, else a description of the first difference.
 */
export function matchOutput(expectedLines, actualLines, uuids) {
  const expected = trimLines(expectedLines);
  const actual = trimLines(actualLines);
  const found = new Map();
  const lineMatches = (want, got) => {
    const pattern = want
      .split(UUID)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})');
    const match = new RegExp(`^${pattern}$`).exec(got);
    if (!match) return false;
    const shown = want.match(UUID) ?? [];
    for (let k = 0; k < shown.length; k++) {
      const known = found.get(shown[k]) ?? uuids.get(shown[k]);
      if (known && known !== match[k + 1]) return false;
      found.set(shown[k], match[k + 1]);
    }
    return true;
  };
  const walk = (e, a) => {
    if (e === expected.length) return a === actual.length;
    if (expected[e] === '...') {
      for (let skip = a; skip <= actual.length; skip++) if (walk(e + 1, skip)) return true;
      return false;
    }
    return a < actual.length && lineMatches(expected[e], actual[a]) && walk(e + 1, a + 1);
  };
  if (walk(0, 0)) {
    for (const [shown, real] of found) uuids.set(shown, real);
    return null;
  }
  return `expected:\n${expected.map((l) => `  | ${l}`).join('\n')}\ngot:\n${actual.map((l) => `  | ${l}`).join('\n')}`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The checkout's files (tracked and untracked, not ignored) copied, node_modules linked. */
function copyCheckout(target) {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = join(root, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(target, file)), { recursive: true });
    if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), join(target, file));
    else copyFileSync(from, join(target, file));
  }
  // Every node_modules of the checkout, linked; the workspace links (relative) resolve in the copy.
  const linkModules = (dir) => {
    const from = join(root, dir, 'node_modules');
    if (!existsSync(from)) return;
    mkdirSync(join(target, dir, 'node_modules'), { recursive: true });
    for (const name of readdirSync(from)) {
      const entry = join(from, name);
      if (name === '@glance-ts') {
        mkdirSync(join(target, dir, 'node_modules', name));
        for (const pkg of readdirSync(entry)) {
          symlinkSync(readlinkSync(join(entry, pkg)), join(target, dir, 'node_modules', name, pkg));
        }
      } else {
        symlinkSync(entry, join(target, dir, 'node_modules', name));
      }
    }
  };
  linkModules('.');
  for (const group of ['apps', 'libs']) {
    for (const name of readdirSync(join(root, group))) linkModules(join(group, name));
  }
}

async function main() {
  const blocks = readBlocks(readFileSync(readmePath, 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'glance-ts-readme-'));
  const checkout = join(work, 'checkout');
  const home = join(work, 'home');
  mkdirSync(home);
  let service = null;
  const stopService = async () => {
    if (!service || service.exitCode !== null || service.signalCode !== null) return;
    const exited = new Promise((resolve) => service.once('exit', resolve));
    try {
      process.kill(-service.pid, 'SIGTERM');
    } catch {
      return;
    }
    const killed = setTimeout(() => {
      try {
        process.kill(-service.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 15_000);
    await exited;
    clearTimeout(killed);
  };
  const cleanup = () => {
    if (service && service.exitCode === null) {
      try {
        process.kill(-service.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(work, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

  copyCheckout(checkout);
  const port = await freePort();
  const confPath = join(checkout, 'etc/glance-api.conf');
  const conf = readFileSync(confPath, 'utf8');
  if (!/^bind_port = 9292$/m.test(conf)) throw new Error('etc/glance-api.conf: no "bind_port = 9292" line');
  writeFileSync(confPath, conf.replace(/^bind_port = 9292$/m, `bind_port = ${port}`));

  const npmConfig = (key) => execFileSync('npm', ['config', 'get', key], { encoding: 'utf8' }).trim();
  const stateFile = join(work, 'state.env');
  const cwdFile = join(work, 'cwd');
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    CI: process.env.CI ?? '',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_SKIP_NX_CACHE: process.env.NX_SKIP_NX_CACHE ?? '',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    npm_config_cache: npmConfig('cache'),
    npm_config_userconfig: npmConfig('userconfig'),
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  writeFileSync(
    stateFile,
    Object.entries(env)
      .map(([key, value]) => `export ${key}=${JSON.stringify(value)}`)
      .join('\n'),
  );
  writeFileSync(cwdFile, checkout);
  const uuids = new Map();
  const adapt = (text) => {
    let out = text.replaceAll('127.0.0.1:9292', `127.0.0.1:${port}`);
    for (const [shown, real] of uuids) out = out.replaceAll(shown, real);
    return out;
  };
  const shell = (command, line) =>
    new Promise((resolve) => {
      const script = [
        'set -a',
        `. ${JSON.stringify(stateFile)}`,
        `cd "$(cat ${JSON.stringify(cwdFile)})"`,
        `trap 'export -p > ${stateFile}; pwd > ${cwdFile}' EXIT`,
        command,
      ].join('\n');
      // Its own process group, so that a timeout kills whatever it started too.
      const child = spawn('bash', ['-c', script], {
        env: {},
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, COMMAND_TIMEOUT_MS);
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({
          status: signal ? `killed after ${COMMAND_TIMEOUT_MS} ms` : status,
          output: output.replaceAll(checkout, '<checkout>'),
          line,
        });
      });
    });

  const startService = async (command, line) => {
    const log = join(work, 'service.log');
    const script = `. ${JSON.stringify(stateFile)}\ncd "$(cat ${JSON.stringify(cwdFile)})"\nexec ${command} >${JSON.stringify(log)} 2>&1`;
    service = spawn('bash', ['-c', script], { env: {}, stdio: 'ignore', detached: true });
    const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
    for (;;) {
      if (service.exitCode !== null) {
        throw new Error(
          `README.md:${line}: \`${command}\` exited (${service.exitCode}):\n${readFileSync(log, 'utf8')}`,
        );
      }
      try {
        const answer = await fetch(`http://127.0.0.1:${port}/versions`);
        if (answer.status === 200) return;
      } catch {
        // not yet
      }
      if (Date.now() > deadline)
        throw new Error(`README.md:${line}: the API did not answer after \`${command}\``);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  /** Runs one shell command line, applying the rewrites above. */
  const runCommand = async (text, line) => {
    const parts = /['"$()]/.test(text) ? [text] : text.split(/\s*&&\s*/);
    let output = '';
    for (const part of parts) {
      const bare = part.replace(/\s+#.*$/, '').trim();
      if (bare === 'npm ci' || bare === 'npm test') continue;
      if (bare === 'npm start') {
        await startService('npm start', line);
        continue;
      }
      const result = await shell(adapt(part), line);
      output += result.output;
      if (result.status !== 0) return { status: result.status, output };
    }
    return { status: 0, output };
  };

  const failures = [];
  // The service's own configuration loader, as built in the copy (by `npm start`).
  const configLibrary = () => createRequire(import.meta.url)(join(checkout, 'libs/config/dist/index.js'));
  let ran = 0;
  try {
    for (const block of blocks) {
      const where = `README.md:${block.line}`;
      if (block.kind === 'skip') continue;
      if (block.kind === 'ini') {
        const dir = join(work, `ini-${block.line}`);
        mkdirSync(dir);
        // The files the example names, beside it.
        copyFileSync(join(checkout, 'etc/dev-tokens.yaml'), join(dir, 'tokens.yaml'));
        writeFileSync(join(dir, 'policy.yaml'), '{}\n');
        const text = block.body.join('\n');
        try {
          const config = configLibrary().parseConfig(text, join(dir, 'glance-api.conf'));
          if (config.warnings.length)
            failures.push(`${where}: the configuration example warns: ${config.warnings.join('; ')}`);
        } catch (error) {
          failures.push(`${where}: the configuration example is refused: ${error.message}`);
        }
        block.body.forEach((line, index) => {
          if (/^[^#;\s][^=]*=.*#/.test(line))
            failures.push(
              `README.md:${block.line + 1 + index}: a "#" in a value (oslo.config has no inline comments): ${line.trim()}`,
            );
        });
        ran++;
        continue;
      }
      if (block.kind === 'tokens') {
        try {
          if (configLibrary().parseTokenFile(block.body.join('\n'), 'tokens.yaml').size === 0)
            failures.push(`${where}: no tokens`);
        } catch (error) {
          failures.push(`${where}: the token file example is refused: ${error.message}`);
        }
        ran++;
        continue;
      }
      if (block.kind === 'run') {
        for (const command of shellCommands(block.body, block.line + 1)) {
          const result = await runCommand(command.text, command.line);
          ran++;
          if (result.status !== 0) {
            failures.push(
              `README.md:${command.line}: \`${command.text}\` failed (${result.status}):\n${result.output}`,
            );
            throw new Error('stop');
          }
        }
        continue;
      }
      for (const step of consoleSteps(block.body, block.line + 1)) {
        const result = await runCommand(step.text, step.line);
        ran++;
        const difference = matchOutput(step.expected, result.output.split('\n'), uuids);
        if (difference)
          failures.push(
            `README.md:${step.line}: \`${step.text}\` printed something else (exit ${result.status}):\n${difference}`,
          );
      }
    }
  } catch (error) {
    if (error.message !== 'stop') failures.push(error.message);
  } finally {
    await stopService();
  }
  const skipped = blocks.filter((block) => block.kind === 'skip');
  process.stdout.write(
    `readme-check: ${ran} commands and examples checked, ${skipped.length} blocks skipped (${skipped.map((b) => `line ${b.line}: ${b.note}`).join('; ')})\n`,
  );
  if (failures.length) {
    process.stderr.write(`readme-check: ${failures.length} failure(s)\n${failures.join('\n\n')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`readme-check: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
}
