import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testDatabaseConnection } from '@glance-ts/db/testing';
import { tokenFiles } from './configs';
import { type RunningApi, startApi } from './test-api';

export type Dialect = 'sqlite' | 'postgresql';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgresql'];

export const TOKENS = {
  admin: 'admin-token',
  /** project bbbb… */
  member: 'member-token',
  /** project bbbb…, reader role only */
  reader: 'reader-token',
  /** project dddd… */
  otherMember: 'other-member-token',
  service: 'service-token',
  /** project cccc…, roles admin + service (+ member, reader): what a volume service runs as */
  serviceAdmin: 'service-admin-token',
} as const;
export const MEMBER_PROJECT = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
export const OTHER_PROJECT = 'dddddddddddddddddddddddddddddddd';

/**
 * Two file stores (`local`, the default, and `scratch`) and the read-only http store `web`, token
 * auth, and the given database. Data dirs live in the test's own directory.
 */
export function imagesConfig(
  database: string,
  extraDefault = '',
  weights: { local?: number; scratch?: number } = {},
): string {
  return `[DEFAULT]
enabled_backends = local:file, scratch:file, web:http
${extraDefault}

[glance_store]
default_backend = local

[local]
filesystem_store_datadir = data/local
weight = ${weights.local ?? 0}

[scratch]
filesystem_store_datadir = data/scratch
filesystem_thin_provisioning = true
weight = ${weights.scratch ?? 0}

[web]

[auth]
strategy = token_file
token_file = dev-tokens.yaml

[database]
connection = ${database}
`;
}

export interface ImageApi extends RunningApi {
  dir: string;
  /** JSON request with a token; returns status, headers and the parsed body (or text). */
  call(method: string, path: string, token: string, options?: CallOptions): Promise<CallResult>;
  /**
   * Every error body `call` received for a caller who may not read store details (member,
   * reader, another project's member), for the check that none names a store's internals.
   */
  errorBodiesSeenByUsers(): string[];
  /** Files in a store's data dir (leftover checks). */
  storeFiles(store: 'local' | 'scratch'): string[];
}

export interface CallOptions {
  json?: unknown;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  body: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test helper: bodies vary
}

/** Starts an API on a fresh database of the dialect; `close()` also drops a PostgreSQL database. */
/** Tokens without the admin or service role: they must never see paths, pools or fsids. */
export const USER_TOKENS: readonly string[] = [TOKENS.member, TOKENS.reader, TOKENS.otherMember];

export async function startImageApi(
  dialect: Dialect,
  extraDefault = '',
  weights: { local?: number; scratch?: number } = {},
): Promise<ImageApi> {
  const { connection, drop } = await testDatabaseConnection(dialect);
  const api = await startApi(imagesConfig(connection, extraDefault, weights), { files: tokenFiles() });
  const close = api.close.bind(api);
  return {
    ...api,
    async close() {
      await close();
      await drop();
    },
    ...recordingCaller(api.url),
    storeFiles: (store) => {
      try {
        return readdirSync(join(api.dir, 'data', store));
      } catch {
        return [];
      }
    },
  };
}

/**
 * `call` on one API, remembering the error bodies sent to callers without the admin or service
 * role (ImageApi.errorBodiesSeenByUsers).
 */
export function recordingCaller(base: string): Pick<ImageApi, 'call' | 'errorBodiesSeenByUsers'> {
  const userErrors: string[] = [];
  return {
    async call(method, path, token, options = {}) {
      const result = await call(base, method, path, token, options);
      if (result.status >= 400 && USER_TOKENS.includes(token)) userErrors.push(result.text);
      return result;
    },
    errorBodiesSeenByUsers: () => [...userErrors],
  };
}

export async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {
    'x-auth-token': token,
    accept: 'application/json',
    ...options.headers,
  };
  let body: Buffer | string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, { method, headers, body });
  const buffer = Buffer.from(await response.arrayBuffer());
  const text = buffer.toString('utf8');
  let json: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('json') && text) json = JSON.parse(text);
  return { status: response.status, headers: response.headers, text, body: buffer, json };
}

export const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
export const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');
export const randomData = (size: number) => randomBytes(size);

/** The message of a Glance JSON error body (webob appends `<br /><br />` and newlines). */
export const errorMessage = (result: CallResult): string =>
  String(result.json?.message ?? result.text).replace(/<br \/><br \/>\n*$/, '');

/** Polls `condition` until it holds; fails the test after `timeoutMs`. */
export async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
