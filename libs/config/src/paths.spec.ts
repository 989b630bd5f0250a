import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from './config';
import type { FileStoreConfig } from './config-types';
import { ConfigError } from './errors';
import { CONFIG_FILE_ENV, EMBEDDED_CONFIG_PATH, resolveConfigPath } from './paths';
import { loadTokenFile } from './tokens';

const REPOSITORY_ROOT = resolve(__dirname, '..', '..', '..');
const CWD = '/srv/glance';

describe('EMBEDDED_CONFIG_PATH', () => {
  it("is the repository's etc/glance-api.conf, found from this module's directory", () => {
    expect(EMBEDDED_CONFIG_PATH).toBe(join(REPOSITORY_ROOT, 'etc', 'glance-api.conf'));
    expect(existsSync(EMBEDDED_CONFIG_PATH)).toBe(true);
  });
});

describe('resolveConfigPath', () => {
  it('prefers --config-file PATH over the environment, resolving it against the cwd', () => {
    expect(
      resolveConfigPath(['--config-file', 'conf/api.conf'], { [CONFIG_FILE_ENV]: '/env.conf' }, CWD),
    ).toBe('/srv/glance/conf/api.conf');
  });

  it('accepts --config-file=PATH among other arguments', () => {
    expect(resolveConfigPath(['--debug', '--config-file=/etc/glance/glance-api.conf', 'x'], {}, CWD)).toBe(
      '/etc/glance/glance-api.conf',
    );
  });

  it('uses GLANCE_CONFIG_FILE when no --config-file is given', () => {
    expect(resolveConfigPath([], { [CONFIG_FILE_ENV]: 'relative.conf' }, CWD)).toBe(
      '/srv/glance/relative.conf',
    );
  });

  it('falls back to the embedded default; an empty GLANCE_CONFIG_FILE counts as unset', () => {
    expect(resolveConfigPath([], {}, CWD)).toBe(EMBEDDED_CONFIG_PATH);
    expect(resolveConfigPath([], { [CONFIG_FILE_ENV]: '' }, CWD)).toBe(EMBEDDED_CONFIG_PATH);
  });

  it('ignores arguments after "--"', () => {
    expect(resolveConfigPath(['--', '--config-file', 'x.conf'], {}, CWD)).toBe(EMBEDDED_CONFIG_PATH);
  });

  it('resolves against the process cwd by default', () => {
    expect(resolveConfigPath(['--config-file', 'a.conf'], {})).toBe(resolve(process.cwd(), 'a.conf'));
  });

  it.each([
    [['--config-file'], 'command line: --config-file needs a path'],
    [['--config-file', '--debug'], 'command line: --config-file needs a path'],
    [['--config-file='], 'command line: --config-file needs a path'],
    [
      ['--config-file', 'a.conf', '--config-file=b.conf'],
      'command line: --config-file is given 2 times; glance-ts reads a single configuration file',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => resolveConfigPath(argv, {}, CWD)).toThrow(
      new ConfigError({ file: 'command line' }, message.replace('command line: ', '')),
    );
    expect(() => resolveConfigPath(argv, {}, CWD)).toThrow(message);
  });
});

describe('the embedded default configuration (etc/glance-api.conf)', () => {
  const config = loadConfig(EMBEDDED_CONFIG_PATH);

  it('loads without warnings and knows it is the embedded one', () => {
    expect(config.warnings).toEqual([]);
    expect(config.source).toEqual({ path: EMBEDDED_CONFIG_PATH, embedded: true });
  });

  it('listens on loopback port 9292', () => {
    expect(config.server).toEqual({
      bindHost: '127.0.0.1',
      bindPort: 9292,
      publicEndpoint: null,
      workers: availableParallelism(),
      clientSocketTimeout: 900,
    });
  });

  it('has the local (default), scratch and web stores, with data under the git-ignored data/', () => {
    expect(config.multiStore).toBe(true);
    expect(config.defaultBackend).toBe('local');
    expect(config.stores.map(({ id, type }) => `${id}:${type}`)).toEqual([
      'local:file',
      'scratch:file',
      'web:http',
    ]);
    const [local, scratch] = config.stores as FileStoreConfig[];
    expect(local.dataDir).toBe(join(REPOSITORY_ROOT, 'data', 'images', 'local'));
    expect(local.thinProvisioning).toBe(false);
    expect(scratch.dataDir).toBe(join(REPOSITORY_ROOT, 'data', 'images', 'scratch'));
    expect(scratch.thinProvisioning).toBe(true);
    expect(readFileSync(join(REPOSITORY_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('/data/');
  });

  it('authenticates with the dev token file beside it', () => {
    expect(config.auth.strategy).toBe('token_file');
    expect(config.auth.tokenFile).toBe(join(REPOSITORY_ROOT, 'etc', 'dev-tokens.yaml'));
    const tokens = loadTokenFile(config.auth.tokenFile as string);
    expect([...tokens.keys()]).toEqual([
      'admin-token',
      'member-token',
      'reader-token',
      'service-token',
      'other-token',
    ]);
    expect(tokens.get('admin-token')).toMatchObject({
      userId: 'admin',
      projectId: 'admin',
      roles: ['admin', 'member', 'reader'],
    });
    expect(tokens.get('member-token')?.roles).toContain('member');
    expect(tokens.get('member-token')?.projectId).not.toBe('admin');
    expect(tokens.get('reader-token')?.roles).toEqual(['reader']);
    expect(tokens.get('service-token')?.roles).toEqual(['service']);
    // A member of a second project, to share images with.
    expect(tokens.get('other-token')).toMatchObject({ projectId: 'other', roles: ['member', 'reader'] });
  });
});
