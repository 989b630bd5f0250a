// The CLI as people install it on a machine without this repository: `npm run pack:cli` makes a
// self-contained tarball (scripts/pack.mjs), `npm install -g --prefix` puts it in an empty prefix
// beside Debian's python-glanceclient, whose /usr/bin/glance must stay as it is; then the installed
// command lists stores, uploads and downloads an image against a running glance-ts.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ImageApi, startImageApi, TOKENS } from '@glance-ts/api/testing';
import { glanceTs } from '../support/both-clients';

jest.setTimeout(300_000);

const PACK = resolve(__dirname, '../../scripts/pack.mjs');
const PYTHON_GLANCE = '/usr/bin/glance';

function exec(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ stdout: string; stderr: string; status: number }> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolvePromise({
          stdout,
          stderr,
          status: error ? Number((error as { code?: unknown }).code ?? 1) : 0,
        }),
    );
  });
}

/** The environment of a user's shell: this one without the npm_* variables `npm test` sets. */
const userShell = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !entry[0].toLowerCase().startsWith('npm_'),
    ),
  );

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('the packed CLI, installed beside python-glanceclient', () => {
  let work: string;
  let prefix: string;
  let env: Record<string, string>;
  let api: ImageApi;
  let glanceBefore: string;

  beforeAll(async () => {
    if (!existsSync(PYTHON_GLANCE))
      throw new Error('python3-glanceclient is required: apt-get install -y python3-glanceclient');
    glanceBefore = sha256(PYTHON_GLANCE);
    work = mkdtempSync(join(tmpdir(), 'glance-ts-packed-cli-'));
    prefix = join(work, 'prefix');
    mkdirSync(join(work, 'home'));
    const packed = await exec(process.execPath, [PACK, '--out', work]);
    expect(packed.stderr).toBe('');
    const tarball = packed.stdout.trim();
    expect(readdirSync(work)).toContain('glance-ts-cli-0.1.0.tgz');
    // An empty prefix and HOME; npm's own cache (koffi comes from the registry or that cache).
    // Asked outside the workspace (inside it npm refuses: ENOWORKSPACES), and never empty: an empty
    // --cache would make npm write its cache into the working directory.
    const cache = (await exec('npm', ['config', 'get', 'cache'], { cwd: work })).stdout.trim();
    expect(cache).toMatch(/^\//);
    const installed = await exec(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--cache',
        cache,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      { cwd: work, env: { ...userShell(), HOME: join(work, 'home') } },
    );
    // npm may warn that koffi's install script did not run: koffi works from its prebuilt binaries.
    expect(installed.status).toBe(0);
    expect(installed.stderr).not.toMatch(/npm error/);
    env = { PATH: '/usr/bin:/bin', HOME: join(work, 'home') };
    api = await startImageApi('sqlite');
  });

  afterAll(async () => {
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const glance = (bin: 'glance' | 'glance-ts', ...args: string[]) =>
    exec(join(prefix, 'bin', bin), ['--os-image-url', api.url, '--os-auth-token', TOKENS.member, ...args], {
      env,
    });

  it('installs glance and glance-ts in the prefix, leaving python-glanceclient alone', async () => {
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['glance', 'glance-ts']);
    expect(sha256(PYTHON_GLANCE)).toBe(glanceBefore);
    const version = await exec(join(prefix, 'bin', 'glance-ts'), ['--version'], { env });
    expect(version).toEqual({ stdout: 'glance-ts 0.1.0\n', stderr: '', status: 0 });
    // Nothing of the repository's workspace is needed: no @glance-ts package was installed.
    expect(existsSync(join(prefix, 'lib/node_modules/glance-ts-cli/node_modules/@glance-ts'))).toBe(false);
  });

  it('lists stores exactly as the workspace CLI does', async () => {
    const installed = await glance('glance', 'stores-info');
    const workspace = await glanceTs(api.url, ['--os-auth-token', TOKENS.member, 'stores-info']);
    expect(installed.status).toBe(0);
    expect(installed.stdout).toBe(workspace.stdout);
  });

  it('creates an image from a file and downloads the same bytes', async () => {
    const data = randomBytes(1024 * 1024 + 3);
    writeFileSync(join(work, 'disk.raw'), data);
    const created = await glance(
      'glance-ts',
      'image-create',
      '--name',
      'packed',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      join(work, 'disk.raw'),
      '-f',
      'json',
    );
    expect([created.status, created.stderr]).toEqual([0, '']);
    const image = JSON.parse(created.stdout);
    expect(image).toMatchObject({ status: 'active', size: data.length });
    const downloaded = await glance(
      'glance-ts',
      'image-download',
      image.id,
      '--file',
      join(work, 'copy.raw'),
    );
    expect([downloaded.status, downloaded.stderr]).toEqual([0, '']);
    expect(readFileSync(join(work, 'copy.raw')).equals(data)).toBe(true);
  });
});
