import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built service with `[DEFAULT] workers = 2`: one primary supervising two API processes. */
const MAIN = join(__dirname, '../dist/main.js');

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const childPids = (pid: number): number[] => {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
};

async function until<T>(
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 40000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

jest.setTimeout(60000);

describe('[DEFAULT] workers', () => {
  let dir: string;
  let primary: ChildProcess;
  let port: number;
  /** The service's log lines (JSON); the primary logs once every worker listens. */
  let output = '';
  const status = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/v2/info/stores`, { headers: { 'x-auth-token': 't' } }))
        .status;
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glance-ts-workers-'));
    port = await freePort();
    writeFileSync(join(dir, 'tokens.yaml'), 'tokens:\n  t:\n    user_id: u\n    roles: [member]\n');
    writeFileSync(
      join(dir, 'glance-api.conf'),
      `[DEFAULT]\nbind_port = ${port}\nworkers = 2\nenabled_backends = web:http\n[glance_store]\ndefault_backend = web\n` +
        '[auth]\nstrategy = token_file\ntoken_file = tokens.yaml\n',
    );
    primary = spawn(process.execPath, [MAIN, '--config-file', join(dir, 'glance-api.conf')], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  afterAll(() => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    for (const pid of childPids(primary.pid!)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from two worker processes', async () => {
    // Start-up is all or nothing: wait until both workers listen (one answering is not enough on a
    // loaded machine, and killing a worker that is still starting stops the service by design).
    await until(
      () => output,
      (text) => text.includes('with 2 workers'),
    );
    expect(output).toContain('with 2 workers');
    expect(await until(status, (s) => s === 200)).toBe(200);
    expect(childPids(primary.pid!)).toHaveLength(2);
  });

  it('replaces a worker that dies', async () => {
    const [victim, survivor] = childPids(primary.pid!);
    process.kill(victim, 'SIGKILL');
    const replaced = await until(
      () => childPids(primary.pid!),
      (pids) => pids.length === 2 && !pids.includes(victim),
    );
    expect(replaced).toContain(survivor);
    expect(replaced).toHaveLength(2);
    expect(await status()).toBe(200);
  });

  it('writes an access-log line within a second on a quiet service, not after 3 KiB more', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v2/info/stores`, {
      headers: { 'x-auth-token': 't' },
    });
    const requestId = response.headers.get('x-openstack-request-id');
    expect(requestId).toMatch(/^req-/);
    const logged = await until(
      () => output,
      (text) => text.includes(`${requestId} \\"GET /v2/info/stores\\" 200`),
      3000,
    );
    expect(logged).toContain(`${requestId} \\"GET /v2/info/stores\\" 200`);
  });

  it('stops the workers and itself on SIGTERM, its last requests logged', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v2/info/stores`, {
      headers: { 'x-auth-token': 't' },
    });
    const requestId = response.headers.get('x-openstack-request-id');
    const workers = childPids(primary.pid!);
    primary.kill('SIGTERM');
    expect(await exitOf(primary)).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    expect(output).toContain(`${requestId} \\"GET /v2/info/stores\\" 200`);
  });

  it('exits 1 when the workers cannot listen', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const taken = (blocker.address() as { port: number }).port;
    writeFileSync(
      join(dir, 'taken.conf'),
      `[DEFAULT]\nbind_port = ${taken}\nworkers = 2\n[auth]\nstrategy = noauth\n`,
    );
    const child = spawn(process.execPath, [MAIN, '--config-file', join(dir, 'taken.conf')], {
      stdio: 'ignore',
    });
    expect(await exitOf(child)).toBe(1);
    blocker.close();
  });
});
