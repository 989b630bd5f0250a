import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { oneLine } from './messages';
import { within } from './within';

/**
 * A real Keystone (Debian's python3-keystone, Zed) on a loopback port, for the tests of glance-ts's
 * Keystone auth: the API validating tokens, the CLI logging in, openstackclient end to end. A fake
 * would only test our reading of the API reference; this one answers as deployments do (policy,
 * fernet expiry, revocation events, the catalog).
 *
 * Each instance has a temporary directory (keystone.conf, an SQLite database, fernet key
 * repositories, logs) and runs tools/keystone/serve.py (a threaded wsgiref server) with Debian's
 * /usr/bin/python3. keystone-manage costs ~4 s per call (importing keystone), so `db_sync` +
 * `bootstrap` run once per machine and keystone version: the bootstrapped database is kept under
 * node_modules/.cache/glance-ts/ and copied for each start. Fernet keys are not cached but made afresh
 * for each instance (a key is 32 random bytes, base64url), so a token of one test Keystone never
 * validates at another; nothing in the cached database depends on them.
 *
 * Two Zed-on-SQLite traps are avoided (details where each is set): the database is in WAL mode,
 * and Keystone's in-process cache is on. The admin calls go through the REST API with an admin
 * token (project admin, cached, re-issued before it expires or on 401). Needs Debian's
 * python3-keystone. Test-only: never import it from production code.
 */

/** Debian's interpreter: a pyenv or virtualenv `python3` on the PATH has no keystone. */
const PYTHON = '/usr/bin/python3';
const KEYSTONE_MANAGE = '/usr/bin/keystone-manage';
const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
/** tools/keystone/serve.py; src/ and dist/ are both three levels below the repository root. */
const SERVE = resolve(__dirname, '../../../tools/keystone/serve.py');
/**
 * The bootstrapped database, per machine: in the checkout's node_modules/.cache (as jest's cache),
 * not in the temporary directory, which tests must leave as they found it.
 */
const CACHE_DIR = resolve(__dirname, '../../../node_modules/.cache/glance-ts');
/** Bump when what goes into the cached database changes (bootstrap arguments, hashing). */
const CACHE_LAYOUT = 'v2';
const HINT = "a test Keystone needs Debian's python3-keystone (apt-get install -y python3-keystone)";
const FAILED = 'the test Keystone did not start';
const REGION = 'RegionOne';
const MANAGE_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const HTTP_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 25;

export interface TestKeystoneOptions {
  /** `[token] expiration` of the server, in seconds. Default 3600. */
  tokenExpiration?: number;
  /** How long start (and start()) may take until Keystone answers GET /v3. Default 60 000 ms. */
  startupTimeoutMs?: number;
  /** Use (and fill) the per-machine cache of the bootstrapped database. Default true. */
  cache?: boolean;
}

/** Password authentication; without projectName/projectId the token is unscoped. */
export interface KeystonePasswordCredentials {
  username: string;
  password: string;
  projectName?: string;
  projectId?: string;
  /** Domain name of the user. Default 'Default'. */
  userDomain?: string;
  /** Domain name of projectName. Default 'Default'. */
  projectDomain?: string;
}

export interface KeystoneApplicationCredentials {
  applicationCredentialId: string;
  applicationCredentialSecret: string;
}

export type KeystoneCredentials = KeystonePasswordCredentials | KeystoneApplicationCredentials;

export interface KeystoneRef {
  id: string;
  name: string;
  domain?: { id: string; name: string };
}

export interface KeystoneCatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: { id: string; interface: string; region_id: string; region: string; url: string }[];
}

/** The body of POST or GET /v3/auth/tokens (the fields tests look at; Keystone sends more). */
export interface KeystoneTokenBody {
  token: {
    methods: string[];
    user: KeystoneRef & { password_expires_at?: string | null };
    audit_ids: string[];
    expires_at: string;
    issued_at: string;
    project?: KeystoneRef;
    system?: { all: boolean };
    roles?: { id: string; name: string }[];
    catalog?: KeystoneCatalogEntry[];
    application_credential?: { id: string; name: string; restricted: boolean };
    [key: string]: unknown;
  };
}

export interface IssuedKeystoneToken {
  /** The X-Subject-Token header. */
  token: string;
  expiresAt: Date;
  body: KeystoneTokenBody;
}

export interface KeystoneServiceRegistration {
  /** Service type, e.g. 'image'. */
  type: string;
  /** Service name, e.g. 'glance'. */
  name: string;
  /** Endpoint URL, e.g. 'http://127.0.0.1:9292'. */
  url: string;
  /** Default: public, internal and admin (all at url). */
  interfaces?: ('public' | 'internal' | 'admin')[];
}

/** A Keystone answer other than the one expected (status 401 for a refused authentication...). */
export class KeystoneRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'KeystoneRequestError';
  }
}

/** A running test Keystone. Every call goes through Keystone's REST API. */
export interface TestKeystone {
  /** `http://127.0.0.1:<port>/v3` (also the identity endpoints' URL in the catalog). */
  readonly authUrl: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Password of `admin` (domain Default), admin of project `admin` and of the system. */
  readonly adminPassword: string;
  /** 'RegionOne' */
  readonly region: string;
  /** The temporary directory: keystone.conf, keystone.db, *.log (read them when a test fails). */
  readonly dir: string;
  /** Process ids of the running Keystone servers (the short-lived-token sidecars included). */
  pids(): number[];

  /** A project in `domain` (a domain id; default 'default'). Returns its id. */
  createProject(name: string, options?: { domain?: string }): Promise<string>;
  /** A role; idempotent: returns the id of the existing one. */
  createRole(name: string): Promise<string>;
  /** A user in domain Default; `roles` (created if missing) are assigned on projectId. Returns its id. */
  createUser(user: { name: string; password: string; projectId?: string; roles?: string[] }): Promise<string>;
  /** Assigns a role (created if missing) to a user on a project. */
  assignRole(userId: string, projectId: string, roleName: string): Promise<void>;
  deleteUser(id: string): Promise<void>;
  /** Disabling revokes the user's tokens; enabling lets it log in again (the old tokens stay dead). */
  disableUser(id: string): Promise<void>;
  enableUser(id: string): Promise<void>;

  /** POST /v3/auth/tokens; rejects with KeystoneRequestError (status 401...) when refused. */
  issueToken(credentials: KeystoneCredentials): Promise<IssuedKeystoneToken>;
  /** A system-scoped (`system: all`) token, of the bootstrap admin by default. */
  issueSystemToken(credentials?: {
    username: string;
    password: string;
    userDomain?: string;
  }): Promise<IssuedKeystoneToken>;
  /**
   * A token that expires after `seconds`, whatever the server's expiration: issued by a second
   * Keystone over the same database and keys with `[token] expiration = seconds` (started on first
   * use for each `seconds`, stopped by stop() and dispose()); it validates at this one.
   */
  issueShortLivedToken(credentials: KeystoneCredentials, seconds: number): Promise<IssuedKeystoneToken>;
  /**
   * GET /v3/auth/tokens for `token`, with the admin token or `authToken`: 200 and the token body,
   * or Keystone's status (404 for an expired, revoked or unknown token). Does not throw on those.
   * Zed's policy lets admin, a `service` role or the token's own user validate; others get 403.
   * allow_expired is not restricted by Keystone (keystonemiddleware sends it with service tokens).
   */
  validateToken(
    token: string,
    options?: { authToken?: string; allowExpired?: boolean },
  ): Promise<{ status: number; body: KeystoneTokenBody | undefined }>;
  /** DELETE /v3/auth/tokens with the admin token. */
  revokeToken(token: string): Promise<void>;
  /** Created by the user itself (`userToken` is theirs); roles by name, default all of the token's. */
  createApplicationCredential(
    userId: string,
    userToken: string,
    name: string,
    roles?: string[],
  ): Promise<{ id: string; secret: string }>;

  /** A service and its endpoints in RegionOne. */
  registerService(
    service: KeystoneServiceRegistration,
  ): Promise<{ serviceId: string; endpointIds: string[] }>;
  /** Removes every service of that type and its endpoints. */
  removeService(type: string): Promise<void>;

  /** SIGTERM to every server, waits for them to exit; the data (and the port number) stay. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same data; resolves when GET /v3 answers 200. */
  start(): Promise<void>;
  /** Stops every process it started and removes the directory. Idempotent. */
  dispose(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function tail(path: string, lines = LOG_TAIL_LINES): string {
  try {
    const all = readFileSync(path, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The hint for a missing install, else a plain "did not start". */
function prefix(why: string): string {
  return /ModuleNotFoundError|ImportError|not found/.test(why) ? HINT : FAILED;
}

/** One line saying what failed, then the tail of each log (named without its directory, often removed). */
function withTails(first: string, logs: string[]): Error {
  const parts = logs
    .map((path) => [path, tail(path)] as const)
    .filter(([, text]) => text !== '')
    .map(([path, text]) => `--- tail of ${basename(path)}\n${text}`);
  return new Error([first, ...parts].join('\n'));
}

/**
 * The last Python exception of a failed keystone-manage or serve.py ("ModuleNotFoundError: No
 * module named 'keystone'"), from its stderr or from keystone.log (where oslo.log puts an unhandled
 * one, after a timestamp), skipping the eventlet noise every keystone-manage prints at exit.
 */
function pythonError(...texts: string[]): string | undefined {
  return texts
    .flatMap((text) => text.split('\n'))
    .map((line) => /\b([A-Za-z_][\w.]*(?:Error|Exception)): (.*)$/.exec(line)?.[0])
    .filter((line): line is string => line !== undefined && !line.includes("'getcurrent'"))
    .pop();
}

/** A Fernet key as cryptography's Fernet.generate_key() writes it: 32 random bytes, base64url, padded. */
function fernetKey(): string {
  return randomBytes(32).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function writeKeyRepository(dir: string): void {
  // Keystone warns about a repository others can read; 0 is the staged key, 1 the primary one.
  mkdirSync(dir, { mode: 0o700 });
  for (const name of ['0', '1']) writeFileSync(join(dir, name), fernetKey(), { mode: 0o600 });
}

function keystoneVersion(): string {
  try {
    for (const name of readdirSync(DIST_PACKAGES)) {
      const match = /^keystone-(.+?)\.(?:egg|dist)-info$/.exec(name);
      if (match) return match[1];
    }
  } catch {
    // Not Debian's layout: fall through.
  }
  return `unknown-${Math.round(statSync(KEYSTONE_MANAGE).mtimeMs)}`;
}

/** The environment of Keystone's processes: no OS_KEYSTONE_CONFIG_* nor a foreign Python's paths. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['OS_KEYSTONE_CONFIG_FILES', 'OS_KEYSTONE_CONFIG_DIR', 'PYTHONPATH', 'PYTHONHOME'])
    delete env[name];
  return env;
}

interface ConfPaths {
  database: string;
  logFile: string;
  keys: { tokens: string; receipts: string; credentials: string };
}

function keystoneConf(paths: ConfPaths, tokenExpiration: number, cache: boolean): string {
  return [
    '# Written by libs/testing (startKeystone).',
    '[DEFAULT]',
    `log_file = ${paths.logFile}`,
    'use_stderr = false',
    '[database]',
    `connection = sqlite:///${paths.database}`,
    // No fsync per commit (PRAGMA synchronous = OFF): a test database need not survive a crash.
    'sqlite_synchronous = false',
    '[token]',
    'provider = fernet',
    `expiration = ${tokenExpiration}`,
    '[fernet_tokens]',
    `key_repository = ${paths.keys.tokens}`,
    '[fernet_receipts]',
    `key_repository = ${paths.keys.receipts}`,
    '[credential]',
    `key_repository = ${paths.keys.credentials}`,
    '[identity]',
    // bcrypt's minimum: a password authentication costs ~2 ms instead of ~250 ms.
    'password_hash_rounds = 4',
    '[cache]',
    ...(cache
      ? // Without a cache Zed runs ~300 SQL queries per GET /v3/auth/tokens (~1.3 s here) instead of
        // ~25 ms. An in-process cache stays exact: every write goes through this one server, which
        // invalidates what it changes (revocations, deleted or disabled users: see the spec).
        ['enabled = true', 'backend = dogpile.cache.memory']
      : ['enabled = false']),
    '',
  ].join('\n');
}

function manage(conf: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      KEYSTONE_MANAGE,
      ['--config-file', conf, ...args],
      { encoding: 'utf8', timeout: MANAGE_TIMEOUT_MS, killSignal: 'SIGKILL', env: childEnv(), cwd: '/' },
      (error, _stdout, stderr) => {
        if (!error) {
          resolvePromise();
          return;
        }
        const why = error.killed
          ? `killed after ${MANAGE_TIMEOUT_MS} ms`
          : (pythonError(stderr) ?? `exit code ${String(error.code)}`);
        const stderrTail = stderr.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
        const failure = withTails(`${prefix(why)}: keystone-manage ${args[0]} failed: ${why}`, [logFile]);
        failure.message += stderrTail ? `\n--- stderr of keystone-manage ${args[0]}\n${stderrTail}` : '';
        reject(failure);
      },
    );
  });
}

/**
 * Puts the database in WAL mode (persistent, in the file). Zed leaves some read transactions open
 * until the garbage collector closes their connection; in SQLite's default rollback-journal mode
 * such a reader blocks every commit, and a PATCH fails with "database is locked" after 5 s. In WAL
 * mode readers never block the writer.
 */
function useWal(database: string): Promise<void> {
  const script =
    "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nmode = c.execute('pragma journal_mode=wal').fetchone()[0]\nc.close()\nsys.exit(mode != 'wal')";
  return new Promise((resolvePromise, reject) => {
    execFile(
      PYTHON,
      ['-c', script, database],
      { encoding: 'utf8', timeout: 30_000, env: childEnv() },
      (error, _out, stderr) => {
        if (error)
          reject(
            new Error(
              `${FAILED}: cannot put ${database} in WAL mode: ${pythonError(stderr) ?? error.message}`,
            ),
          );
        else resolvePromise();
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The bootstrapped database, built once per machine and keystone version

interface Template {
  database: string;
  adminPassword: string;
  /** A directory to remove once the database is copied (a template built without the cache). */
  cleanup?: string;
}

const BOOTSTRAP_URL = 'http://127.0.0.1:5000/v3';

function readTemplate(dir: string): Template | undefined {
  const database = join(dir, 'keystone.db');
  try {
    const { adminPassword } = JSON.parse(readFileSync(join(dir, 'admin.json'), 'utf8')) as Template;
    if (typeof adminPassword === 'string' && existsSync(database)) return { database, adminPassword };
  } catch {
    // Missing or half-removed (a tmp cleaner): rebuilt.
  }
  return undefined;
}

/** db_sync + bootstrap into `parent/<name>` (built beside it, then renamed: atomic). */
async function buildTemplate(parent: string, name: string): Promise<Template> {
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(parent, `.${name}-build-`));
  try {
    const adminPassword = randomBytes(18).toString('base64url');
    const paths: ConfPaths = {
      database: join(staging, 'keystone.db'),
      logFile: join(staging, 'keystone.log'),
      keys: {
        tokens: join(staging, 'fernet-keys'),
        receipts: join(staging, 'receipt-keys'),
        credentials: join(staging, 'credential-keys'),
      },
    };
    for (const dir of Object.values(paths.keys)) writeKeyRepository(dir);
    const conf = join(staging, 'keystone.conf');
    writeFileSync(conf, keystoneConf(paths, 3600, false));
    await manage(conf, ['db_sync'], paths.logFile);
    // The endpoints' port is fixed through the API once the server listens (see fixCatalog).
    await manage(
      conf,
      [
        'bootstrap',
        '--bootstrap-password',
        adminPassword,
        '--bootstrap-username',
        'admin',
        '--bootstrap-project-name',
        'admin',
        '--bootstrap-role-name',
        'admin',
        '--bootstrap-service-name',
        'keystone',
        '--bootstrap-region-id',
        REGION,
        '--bootstrap-public-url',
        BOOTSTRAP_URL,
        '--bootstrap-internal-url',
        BOOTSTRAP_URL,
        '--bootstrap-admin-url',
        BOOTSTRAP_URL,
      ],
      paths.logFile,
    );
    await useWal(paths.database);
    for (const entry of readdirSync(staging))
      if (entry !== 'keystone.db') rmSync(join(staging, entry), { recursive: true, force: true });
    writeFileSync(join(staging, 'admin.json'), JSON.stringify({ adminPassword }), { mode: 0o600 });
    const target = join(parent, name);
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process got there first (ENOTEMPTY/EEXIST): use its copy.
      const theirs = readTemplate(target);
      if (!theirs) throw error;
      rmSync(staging, { recursive: true, force: true });
      return theirs;
    }
    return readTemplate(target)!;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

const templates = new Map<string, Promise<Template>>();

function template(cache: boolean): Promise<Template> {
  const parent = CACHE_DIR;
  const name = `keystone-${keystoneVersion()}-${CACHE_LAYOUT}`;
  if (!cache) {
    // Built in a directory of its own, used once.
    const own = mkdtempSync(join(tmpdir(), 'glance-ts-keystone-template-'));
    return buildTemplate(own, name).then(
      (built) => ({ ...built, cleanup: own }),
      (error: unknown) => {
        rmSync(own, { recursive: true, force: true });
        throw error;
      },
    );
  }
  let pending = templates.get(name);
  if (!pending) {
    const existing = readTemplate(join(parent, name));
    if (existing) pending = Promise.resolve(existing);
    else {
      rmSync(join(parent, name), { recursive: true, force: true });
      pending = buildTemplate(parent, name);
    }
    // A failed build is retried by the next start, not remembered.
    pending.catch(() => templates.delete(name));
    templates.set(name, pending);
  }
  return pending;
}

// ---------------------------------------------------------------------------------------------
// serve.py processes

interface Server {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Starts serve.py; resolves once it printed `listening <port>`. */
function launch(
  conf: string,
  port: number,
  serveLog: string,
  logs: string[],
  timeoutMs: number,
): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(serveLog, 'a');
    let child: ChildProcess;
    try {
      child = spawn(PYTHON, [SERVE, '--config-file', conf, '--port', String(port), '--exit-with-stdin'], {
        stdio: ['pipe', 'pipe', fd],
        env: childEnv(),
        cwd: '/',
      });
    } finally {
      closeSync(fd);
    }
    // Neither the process nor its pipes keep Node alive; when Node dies, stdin closes and
    // serve.py exits (--exit-with-stdin).
    child.unref();
    for (const stream of [child.stdin, child.stdout]) (stream as unknown as { unref?(): void })?.unref?.();
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (running(child)) child.kill('SIGKILL');
      const pyError = pythonError(tail(serveLog, 200), ...logs.map((log) => tail(log, 50)));
      const detail = pyError ? `${why}: ${pyError}` : why;
      reject(withTails(`${prefix(detail)}: keystone server ${detail}`, [serveLog, ...logs]));
    };
    const timer = setTimeout(() => fail(`did not listen within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) =>
      fail(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `cannot start: ${PYTHON} not found`
          : oneLine(error),
      ),
    );
    child.once('exit', (code, signal) =>
      fail(`exited (${signal ?? `code ${code}`}) before listening on 127.0.0.1:${port || '<any port>'}`),
    );
    let buffered = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (settled) return;
      buffered += chunk;
      const match = /^listening (\d+)$/m.exec(buffered);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise({ child, port: Number(match[1]), exited });
    });
  });
}

async function terminate(server: Server): Promise<void> {
  if (!running(server.child)) return;
  server.child.kill('SIGTERM');
  if (await within(server.exited, STOP_TIMEOUT_MS)) return;
  server.child.kill('SIGKILL');
  await within(server.exited, STOP_TIMEOUT_MS);
}

// ---------------------------------------------------------------------------------------------

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export async function startKeystone(options: TestKeystoneOptions = {}): Promise<TestKeystone> {
  const tokenExpiration = options.tokenExpiration ?? 3600;
  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  if (!existsSync(KEYSTONE_MANAGE)) throw new Error(`${HINT}: ${KEYSTONE_MANAGE} not found`);
  if (!existsSync(PYTHON)) throw new Error(`${HINT}: ${PYTHON} not found`);
  if (!existsSync(SERVE)) throw new Error(`the test Keystone's server script is missing: ${SERVE} not found`);

  let built = await template(options.cache ?? true);
  if (!existsSync(built.database)) {
    // The per-machine cache was removed under this process (a tmp cleaner): built again.
    templates.clear();
    built = await template(options.cache ?? true);
  }
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-keystone-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const paths: ConfPaths = {
    database: join(dir, 'keystone.db'),
    logFile: join(dir, 'keystone.log'),
    keys: {
      tokens: join(dir, 'fernet-keys'),
      receipts: join(dir, 'receipt-keys'),
      credentials: join(dir, 'credential-keys'),
    },
  };
  const conf = join(dir, 'keystone.conf');
  const serveLog = join(dir, 'serve.log');
  try {
    copyFileSync(built.database, paths.database);
    for (const keys of Object.values(paths.keys)) writeKeyRepository(keys);
    writeFileSync(conf, keystoneConf(paths, tokenExpiration, true));
  } catch (error) {
    remove();
    throw error;
  } finally {
    if (built.cleanup) rmSync(built.cleanup, { recursive: true, force: true });
  }

  const agent = new Agent({ connectTimeout: 5_000 });
  let main: Server | undefined;
  const sidecars = new Map<number, Promise<Server>>();
  const everyChild = new Set<ChildProcess>();
  const adminPassword = built.adminPassword;
  const adminCredentials: KeystonePasswordCredentials = {
    username: 'admin',
    password: adminPassword,
    projectName: 'admin',
  };

  // Killed and removed even when a test forgets dispose() (a sync 'exit' listener can do both).
  const onExit = () => {
    for (const child of everyChild) if (running(child)) child.kill('SIGKILL');
    remove();
  };
  process.on('exit', onExit);

  const track = (server: Server) => {
    everyChild.add(server.child);
    void server.exited.then(() => everyChild.delete(server.child));
    return server;
  };

  async function http(
    base: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD',
    path: string,
    init: { token?: string; subjectToken?: string; body?: unknown } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.token) headers['x-auth-token'] = init.token;
    if (init.subjectToken) headers['x-subject-token'] = init.subjectToken;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await request(`${base}${path}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      dispatcher: agent,
      headersTimeout: HTTP_TIMEOUT_MS,
      bodyTimeout: HTTP_TIMEOUT_MS,
    });
    const text = await response.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: kept as text.
    }
    return { status: response.statusCode, headers: response.headers, body };
  }

  function failure(what: string, result: HttpResult): KeystoneRequestError {
    const error = (result.body as { error?: { message?: string } } | undefined)?.error;
    const detail = error?.message ?? (typeof result.body === 'string' ? result.body.slice(0, 200) : '');
    return new KeystoneRequestError(
      `${what}: Keystone answered ${result.status}${detail ? ` (${detail})` : ''}`,
      result.status,
      result.body,
    );
  }

  async function issueAt(base: string, credentials: KeystoneCredentials, system = false) {
    let identity: Record<string, unknown>;
    let scope: Record<string, unknown> | undefined;
    if ('applicationCredentialId' in credentials) {
      identity = {
        methods: ['application_credential'],
        application_credential: {
          id: credentials.applicationCredentialId,
          secret: credentials.applicationCredentialSecret,
        },
      };
    } else {
      identity = {
        methods: ['password'],
        password: {
          user: {
            name: credentials.username,
            password: credentials.password,
            domain: { name: credentials.userDomain ?? 'Default' },
          },
        },
      };
      if (system) scope = { system: { all: true } };
      else if (credentials.projectId) scope = { project: { id: credentials.projectId } };
      else if (credentials.projectName)
        scope = {
          project: {
            name: credentials.projectName,
            domain: { name: credentials.projectDomain ?? 'Default' },
          },
        };
    }
    const result = await http(base, 'POST', '/v3/auth/tokens', {
      body: { auth: scope ? { identity, scope } : { identity } },
    });
    const token = result.headers['x-subject-token'];
    if (result.status !== 201 || typeof token !== 'string') {
      const who = 'username' in credentials ? credentials.username : credentials.applicationCredentialId;
      throw failure(`POST /v3/auth/tokens for ${who}`, result);
    }
    const body = result.body as KeystoneTokenBody;
    return { token, expiresAt: new Date(body.token.expires_at), body };
  }

  let admin: { token: string; expiresAt: number } | undefined;
  let adminPending: Promise<string> | undefined;
  // Re-issued a little before it expires: tokenExpiration may be a few seconds.
  const adminMarginMs = Math.min(5_000, (tokenExpiration * 1000) / 4);

  function adminToken(force = false): Promise<string> {
    if (!force && admin && admin.expiresAt - Date.now() > adminMarginMs) return Promise.resolve(admin.token);
    adminPending ??= issueAt(keystone.url, adminCredentials)
      .then((issued) => {
        admin = { token: issued.token, expiresAt: issued.expiresAt.getTime() };
        return issued.token;
      })
      .finally(() => {
        adminPending = undefined;
      });
    return adminPending;
  }

  /**
   * An admin call; one retry with a new token on 401 (expired between the check and the call).
   * Rejects with KeystoneRequestError unless the status is `expected` (any status when empty).
   */
  async function asAdmin(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    expected: number[],
    init: { body?: unknown; subjectToken?: string } = {},
  ): Promise<HttpResult> {
    let result = await http(keystone.url, method, path, { ...init, token: await adminToken() });
    if (result.status === 401)
      result = await http(keystone.url, method, path, { ...init, token: await adminToken(true) });
    if (expected.length > 0 && !expected.includes(result.status)) throw failure(`${method} ${path}`, result);
    return result;
  }

  const list = async <T>(path: string, key: string): Promise<T[]> =>
    ((await asAdmin('GET', path, [200])).body as Record<string, T[]>)[key];

  /** The bootstrap wrote placeholder endpoint URLs (the port was not known): point them here. */
  async function fixCatalog(): Promise<void> {
    for (const service of await list<{ id: string }>('/v3/services?type=identity', 'services'))
      for (const endpoint of await list<{ id: string; url: string }>(
        `/v3/endpoints?service_id=${service.id}`,
        'endpoints',
      ))
        if (endpoint.url !== keystone.authUrl)
          await asAdmin('PATCH', `/v3/endpoints/${endpoint.id}`, [200], {
            body: { endpoint: { url: keystone.authUrl } },
          });
  }

  async function startMain(port: number): Promise<Server> {
    const deadline = Date.now() + startupTimeoutMs;
    const server = track(await launch(conf, port, serveLog, [paths.logFile], startupTimeoutMs));
    const base = `http://127.0.0.1:${server.port}`;
    let last = '';
    while (Date.now() < deadline && running(server.child)) {
      try {
        const result = await http(base, 'GET', '/v3');
        if (result.status === 200) return server;
        last = `GET /v3 answered ${result.status}`;
      } catch (error) {
        last = oneLine(error);
      }
      await new Promise((done) => setTimeout(done, 200));
    }
    await terminate(server);
    throw withTails(
      `${FAILED}: keystone server did not answer GET /v3 within ${startupTimeoutMs} ms (${last})`,
      [serveLog, paths.logFile],
    );
  }

  function sidecar(seconds: number): Promise<Server> {
    let pending = sidecars.get(seconds);
    if (!pending) {
      const sideConf = join(dir, `keystone-expiration-${seconds}.conf`);
      const sideLog = join(dir, `keystone-expiration-${seconds}.log`);
      // No cache: the sidecar only issues tokens, and must see what the main server changed.
      writeFileSync(sideConf, keystoneConf({ ...paths, logFile: sideLog }, seconds, false));
      pending = launch(
        sideConf,
        0,
        join(dir, `serve-expiration-${seconds}.log`),
        [sideLog],
        startupTimeoutMs,
      ).then(track);
      pending.catch(() => sidecars.delete(seconds));
      sidecars.set(seconds, pending);
    }
    return pending;
  }

  let disposed: Promise<void> | undefined;

  let port = 0;
  const keystone: TestKeystone = {
    get authUrl() {
      return `http://127.0.0.1:${port}/v3`;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    adminPassword,
    region: REGION,
    dir,
    pids: () => [...everyChild].filter(running).map((child) => child.pid!),

    async createProject(name, projectOptions = {}) {
      const result = await asAdmin('POST', '/v3/projects', [201], {
        body: { project: { name, domain_id: projectOptions.domain ?? 'default', enabled: true } },
      });
      return (result.body as { project: { id: string } }).project.id;
    },
    async createRole(name) {
      const find = async () =>
        (
          await list<{ id: string; name: string }>(`/v3/roles?name=${encodeURIComponent(name)}`, 'roles')
        ).find((role) => role.name === name)?.id;
      const existing = await find();
      if (existing) return existing;
      const result = await asAdmin('POST', '/v3/roles', [201, 409], { body: { role: { name } } });
      if (result.status === 201) return (result.body as { role: { id: string } }).role.id;
      const raced = await find();
      if (!raced) throw failure(`POST /v3/roles ${name}`, result);
      return raced;
    },
    async createUser(user) {
      if (user.roles?.length && !user.projectId)
        throw new Error(`createUser ${user.name}: roles need a projectId to be assigned on`);
      const result = await asAdmin('POST', '/v3/users', [201], {
        body: {
          user: {
            name: user.name,
            password: user.password,
            domain_id: 'default',
            enabled: true,
            ...(user.projectId ? { default_project_id: user.projectId } : {}),
          },
        },
      });
      const id = (result.body as { user: { id: string } }).user.id;
      for (const role of user.roles ?? []) await keystone.assignRole(id, user.projectId!, role);
      return id;
    },
    async assignRole(userId, projectId, roleName) {
      const roleId = await keystone.createRole(roleName);
      await asAdmin('PUT', `/v3/projects/${projectId}/users/${userId}/roles/${roleId}`, [204]);
    },
    async deleteUser(id) {
      await asAdmin('DELETE', `/v3/users/${id}`, [204]);
    },
    async disableUser(id) {
      await asAdmin('PATCH', `/v3/users/${id}`, [200], { body: { user: { enabled: false } } });
    },
    async enableUser(id) {
      await asAdmin('PATCH', `/v3/users/${id}`, [200], { body: { user: { enabled: true } } });
    },

    issueToken: (credentials) => issueAt(keystone.url, credentials),
    issueSystemToken: (credentials) =>
      issueAt(keystone.url, credentials ?? { username: 'admin', password: adminPassword }, true),
    async issueShortLivedToken(credentials, seconds) {
      if (!Number.isInteger(seconds) || seconds < 1)
        throw new Error(`issueShortLivedToken: seconds must be a positive integer, not ${seconds}`);
      const server = await sidecar(seconds);
      return issueAt(`http://127.0.0.1:${server.port}`, credentials);
    },
    async validateToken(token, validateOptions = {}) {
      const path = `/v3/auth/tokens${validateOptions.allowExpired ? '?allow_expired=1' : ''}`;
      const result = validateOptions.authToken
        ? await http(keystone.url, 'GET', path, { token: validateOptions.authToken, subjectToken: token })
        : await asAdmin('GET', path, [], { subjectToken: token });
      return {
        status: result.status,
        body: result.status === 200 ? (result.body as KeystoneTokenBody) : undefined,
      };
    },
    async revokeToken(token) {
      await asAdmin('DELETE', '/v3/auth/tokens', [204], { subjectToken: token });
    },
    async createApplicationCredential(userId, userToken, name, roles) {
      const result = await http(keystone.url, 'POST', `/v3/users/${userId}/application_credentials`, {
        token: userToken,
        body: {
          application_credential: {
            name,
            ...(roles ? { roles: roles.map((role) => ({ name: role })) } : {}),
          },
        },
      });
      if (result.status !== 201) throw failure(`POST /v3/users/${userId}/application_credentials`, result);
      const { id, secret } = (result.body as { application_credential: { id: string; secret: string } })
        .application_credential;
      return { id, secret };
    },

    async registerService({ type, name, url, interfaces = ['public', 'internal', 'admin'] }) {
      const service = await asAdmin('POST', '/v3/services', [201], {
        body: { service: { type, name, enabled: true } },
      });
      const serviceId = (service.body as { service: { id: string } }).service.id;
      const endpointIds: string[] = [];
      for (const iface of interfaces) {
        const endpoint = await asAdmin('POST', '/v3/endpoints', [201], {
          body: {
            endpoint: { service_id: serviceId, interface: iface, url, region_id: REGION, enabled: true },
          },
        });
        endpointIds.push((endpoint.body as { endpoint: { id: string } }).endpoint.id);
      }
      return { serviceId, endpointIds };
    },
    async removeService(type) {
      for (const service of await list<{ id: string }>(
        `/v3/services?type=${encodeURIComponent(type)}`,
        'services',
      )) {
        for (const endpoint of await list<{ id: string }>(
          `/v3/endpoints?service_id=${service.id}`,
          'endpoints',
        ))
          await asAdmin('DELETE', `/v3/endpoints/${endpoint.id}`, [204, 404]);
        await asAdmin('DELETE', `/v3/services/${service.id}`, [204, 404]);
      }
    },

    async stop() {
      const servers = await Promise.all(
        [main, ...[...sidecars.values()].map((pending) => pending.catch(() => undefined))].filter(Boolean),
      );
      sidecars.clear();
      await Promise.all(servers.map((server) => terminate(server!)));
    },
    async start() {
      if (disposed) throw new Error('start(): this test Keystone was disposed');
      if (main && running(main.child)) return;
      main = await startMain(port);
    },
    dispose() {
      disposed ??= (async () => {
        try {
          await keystone.stop();
          await agent.close().catch(() => undefined);
        } finally {
          onExit();
          process.removeListener('exit', onExit);
        }
      })();
      return disposed;
    },
  };

  try {
    main = await startMain(0);
    port = main.port;
    await fixCatalog();
  } catch (error) {
    await keystone.dispose();
    throw error;
  }
  return keystone;
}
