import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL server of a test's own (Debian's binaries, a cluster in a temporary directory, on a
 * free loopback port), for tests that stop, kill and restart the database under a running service:
 * the shared server other suites use must not go away under them. Needs root (the cluster runs as
 * the `postgres` user through runuser) and Debian's postgresql package, which .ci/run installs.
 */
export interface PrivatePostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust authentication on loopback). */
  readonly url: string;
  readonly port: number;
  /** pg_ctl stop: `fast` (clean) or `immediate` (as a crash: connections cut at once). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** pg_ctl start; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes its directory. Idempotent. */
  dispose(): Promise<void>;
}

const HINT =
  "a private PostgreSQL needs root and Debian's postgresql package (apt-get install -y postgresql)";

/** The newest installed server's bin directory. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions
    .map((version) => join(root, version, 'bin'))
    .find((path) => existsSync(join(path, 'pg_ctl')));
  if (!dir) throw new Error(`no PostgreSQL server under ${root}: ${HINT}`);
  return dir;
}

function asPostgres(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // `cd /`: the postgres user cannot read the test's working directory.
    execFile(
      'runuser',
      ['-u', 'postgres', '--', command, ...args],
      { cwd: '/', encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message} (${HINT})`),
          );
        else resolve(stdout);
      },
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (process.getuid?.() !== 0) throw new Error(HINT);
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    chownSync(dir, Number(await asPostgres('id', ['-u'])), Number(await asPostgres('id', ['-g'])));
    await asPostgres(join(bin, 'initdb'), [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
  } catch (error) {
    remove();
    throw error;
  }
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  let running = false;
  const server: PrivatePostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await asPostgres(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(dir, 'log'),
        '-w',
        'start',
      ]);
      running = true;
    },
    async stop(mode = 'fast') {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    async dispose() {
      if (running) await server.stop('immediate').catch(() => undefined);
      remove();
    },
  };
  try {
    await server.start();
  } catch (error) {
    remove();
    throw error;
  }
  return server;
}
