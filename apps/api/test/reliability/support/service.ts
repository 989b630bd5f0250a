import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@glance-ts/testing';

/**
 * The built service (apps/api/dist/main.js) as operators run it: a primary supervising worker
 * processes on a loopback port, its own config, tokens and data in a temporary directory. The
 * reliability tests hang up on it, kill its processes and take its database away, then check what
 * it logged and that it still serves.
 */
export const MAIN = join(__dirname, '../../../dist/main.js');

export const TOKEN = 'reliability-admin';
export const MEMBER_TOKEN = 'reliability-member';

export interface ServiceOptions {
  workers?: number;
  /** `[database] connection` (default: a SQLite file in the service's directory). */
  database?: string;
  /** More lines for [DEFAULT]. */
  defaults?: string;
  /** Reuse a directory (and so a SQLite file and data) of an earlier service: a restart. */
  dir?: string;
  port?: number;
  /** More environment for the service's processes (NODE_OPTIONS, ...). */
  env?: Record<string, string>;
  /** Stores instead of `local` (a file store) and `web`: enabled_backends, the default, their sections. */
  stores?: { enabled: string; default: string; sections: string };
  /**
   * RLIMIT_FSIZE of the service's processes (`prlimit --fsize`): a write past it fails with EFBIG
   * (Node ignores SIGXFSZ), as a write to a full disk fails with ENOSPC, without filling one.
   */
  fileSizeLimit?: number;
}

/** One access-log line of the service: `req-… "METHOD url" status ms`. */
export interface AccessLine {
  method: string;
  url: string;
  status: number;
}

export class Service {
  private process: ChildProcess | null = null;
  private output = '';
  /** Where the current process's output starts (a restart appends to the log). */
  private launchedAt = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly options: ServiceOptions,
  ) {}

  static async start(options: ServiceOptions = {}): Promise<Service> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'glance-ts-reliability-'));
    const port = options.port ?? (await freePort());
    const service = new Service(dir, port, options);
    service.writeConfig();
    await service.launch();
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get primaryPid(): number {
    return this.process!.pid!;
  }

  /** Everything the service wrote on stdout and stderr so far. */
  get log(): string {
    return this.output;
  }

  /** The pids of the worker processes (children of the primary). */
  workerPids(): number[] {
    if (!this.process || this.process.exitCode !== null) return [];
    try {
      return execFileSync('ps', ['-o', 'pid=', '--ppid', String(this.primaryPid)], { encoding: 'utf8' })
        .split('\n')
        .map((line) => Number(line.trim()))
        .filter((pid) => pid > 0)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  /** The access-log lines of every worker so far. */
  accessLines(): AccessLine[] {
    const lines: AccessLine[] = [];
    for (const line of this.output.split('\n')) {
      const match = /"msg":"req-[^ ]+ \\"(\w+) (.*?)\\" (\d{3}) /.exec(line);
      if (match) lines.push({ method: match[1], url: match[2], status: Number(match[3]) });
    }
    return lines;
  }

  /** The lines that say a worker died, or a process crashed. */
  deaths(): string[] {
    return this.output
      .split('\n')
      .filter((line) =>
        /exited with|uncaught exception|unhandled promise rejection|Unhandled 'error'/.test(line),
      );
  }

  /**
   * Resolves once the service says it listens with every worker (the primary's line; start-up is
   * all or nothing until then) and answers.
   */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const workers = this.options.workers ?? 2;
    const ready = workers === 1 ? /API listening on/ : new RegExp(`listening on .* with ${workers} workers`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process?.exitCode !== null) {
        throw new Error(
          `the service exited (${this.process?.exitCode}); it logged:\n${this.output.slice(-3000)}`,
        );
      }
      const answering =
        ready.test(this.output.slice(this.launchedAt)) &&
        (await fetch(`${this.url}/v2/info/stores`, { headers: { 'x-auth-token': TOKEN } })
          .then((response) => response.status === 200)
          .catch(() => false));
      if (answering) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `the service did not become ready in ${timeoutMs} ms; it logged:\n${this.output.slice(-3000)}`,
    );
  }

  /** SIGKILL to the primary and every worker at once: the host lost power, as far as they know. */
  killAll(): void {
    const pids = [...this.workerPids(), this.primaryPid];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Starts the service again on the same directory and port (after killAll or stop). */
  async restart(): Promise<void> {
    await this.waitExit();
    await this.launch();
  }

  /** Files in a store's data directory (leftover checks). */
  storeFiles(store = 'local'): string[] {
    try {
      return readdirSync(join(this.dir, 'data', store));
    } catch {
      return [];
    }
  }

  /** SIGTERM, then SIGKILL to whatever is left; removes the directory unless `keepDir`. */
  async stop(options: { keepDir?: boolean } = {}): Promise<void> {
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) {
      const workers = this.workerPids();
      this.process.kill('SIGTERM');
      // `within` clears its timer: a bare 15 s timer kept Jest's process alive after the last suite.
      const exited = await within(this.waitExit(), 15_000);
      if (!exited) this.killAll();
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone, as it should be.
        }
      }
      await this.waitExit();
    }
    if (!options.keepDir && !this.options.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private writeConfig(): void {
    writeFileSync(
      join(this.dir, 'tokens.yaml'),
      `tokens:\n  ${TOKEN}:\n    user_id: admin\n    project_id: admin\n    roles: [admin, member, reader, service]\n` +
        `  ${MEMBER_TOKEN}:\n    user_id: member\n    project_id: member\n    roles: [member, reader]\n`,
    );
    const stores = this.options.stores ?? {
      enabled: 'local:file, web:http',
      default: 'local',
      sections: '[local]\nfilesystem_store_datadir = data/local\n\n[web]\n',
    };
    writeFileSync(
      join(this.dir, 'glance-api.conf'),
      `[DEFAULT]
bind_port = ${this.port}
workers = ${this.options.workers ?? 2}
enabled_backends = ${stores.enabled}
${this.options.defaults ?? ''}

[glance_store]
default_backend = ${stores.default}

${stores.sections}

[auth]
strategy = token_file
token_file = tokens.yaml

[database]
connection = ${this.options.database ?? 'sqlite:///glance.sqlite'}
`,
    );
  }

  private async launch(): Promise<void> {
    this.launchedAt = this.output.length;
    const command = [process.execPath, MAIN, '--config-file', join(this.dir, 'glance-api.conf')];
    // prlimit execs the command: the child's pid stays the primary's.
    if (this.options.fileSizeLimit !== undefined)
      command.unshift('prlimit', `--fsize=${this.options.fileSizeLimit}`, '--');
    const child = spawn(command[0], command.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.options.env },
    });
    this.process = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await this.waitReady();
  }

  private waitExit(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** An answer of the service: its parsed JSON body is loosely typed, as bodies vary. */
export interface ApiAnswer {
  status: number;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test helper: bodies vary
  text: string;
  headers: Headers;
}

/** JSON request as the admin (or another token). */
export async function api(
  service: Service,
  method: string,
  path: string,
  options: { json?: unknown; body?: Buffer; headers?: Record<string, string>; token?: string } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {
    'x-auth-token': options.token ?? TOKEN,
    accept: 'application/json',
  };
  let body: Buffer | string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { ...headers, ...options.headers },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}

/** A new queued raw image; its id. */
export async function createImage(service: Service, name = 'reliability'): Promise<string> {
  const created = await api(service, 'POST', '/v2/images', {
    json: { name, disk_format: 'raw', container_format: 'bare' },
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${created.text}`);
  return created.json.id as string;
}

/** Every image, as the admin sees them. */
export async function listImages(service: Service): Promise<Array<{ id: string; status: string }>> {
  const listed = await api(service, 'GET', '/v2/images?limit=1000');
  return listed.json.images;
}

export async function until<T>(
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A probe that fails (the service is restarting) is a "not yet".
    let value: T | undefined;
    try {
      value = await probe();
    } catch {
      value = undefined;
    }
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not met within ${timeoutMs} ms (last: ${JSON.stringify(value).slice(0, 500)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An image's status, as the admin sees it. */
export async function imageStatus(service: Service, id: string): Promise<string> {
  return (await api(service, 'GET', `/v2/images/${id}`)).json.status;
}

/** Waits until the image has `status` (a restarting service counts as "not yet"). */
export function untilImageStatus(
  service: Service,
  id: string,
  status: string,
  timeoutMs: number,
): Promise<string> {
  return until(
    () => imageStatus(service, id),
    (value) => value === status,
    timeoutMs,
    `image ${id} ${status}`,
  );
}
