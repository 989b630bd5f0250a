import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudFileCandidates, credentialsFromSettings, identityV3Url, loadCloud } from './clouds';
import { CloudConfigError } from './errors';

describe('clouds.yaml', () => {
  let root: string;
  let cwd: string;
  let home: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'glance-ts-clouds-'));
    cwd = join(root, 'work');
    home = join(root, 'home');
    mkdirSync(cwd);
    mkdirSync(join(home, '.config', 'openstack'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const userFile = (name: string) => join(home, '.config', 'openstack', name);

  it("searches openstacksdk's places in its order, the override variable first", () => {
    expect(cloudFileCandidates('clouds', { cwd, home, env: {} })).toEqual([
      join(cwd, 'clouds.yaml'),
      join(cwd, 'clouds.yml'),
      join(cwd, 'clouds.json'),
      userFile('clouds.yaml'),
      userFile('clouds.yml'),
      userFile('clouds.json'),
      '/etc/openstack/clouds.yaml',
      '/etc/openstack/clouds.yml',
      '/etc/openstack/clouds.json',
    ]);
    expect(cloudFileCandidates('secure', { cwd, home, env: { OS_CLIENT_SECURE_FILE: '/x/s.yaml' } })[0]).toBe(
      '/x/s.yaml',
    );
    expect(cloudFileCandidates('clouds', { cwd, home, env: { XDG_CONFIG_HOME: '/xdg' } })[3]).toBe(
      '/xdg/openstack/clouds.yaml',
    );
  });

  it('reads the cloud from the first file found and merges secure.yaml over it', () => {
    writeFileSync(
      userFile('clouds.yaml'),
      [
        'clouds:',
        '  devstack:',
        '    auth:',
        '      auth_url: http://ks:5000/v3',
        '      username: demo',
        '      project_name: demo',
        '      user_domain_name: Default',
        '      project_domain_name: Default',
        '    region_name: RegionTwo',
        '    interface: internal',
        '    verify: false',
        '  other: {}',
      ].join('\n'),
    );
    writeFileSync(userFile('secure.yaml'), 'clouds:\n  devstack:\n    auth:\n      password: s3cret\n');
    expect(loadCloud('devstack', { cwd, home, env: {} })).toEqual({
      authUrl: 'http://ks:5000/v3',
      username: 'demo',
      projectName: 'demo',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      regionName: 'RegionTwo',
      interface: 'internal',
      insecure: true,
      password: 's3cret',
    });
    // A clouds.yaml in the working directory comes first: the one in ~/.config is not read at all.
    writeFileSync(
      join(cwd, 'clouds.yaml'),
      'clouds:\n  devstack:\n    auth:\n      auth_url: http://cwd:5000\n',
    );
    expect(loadCloud('devstack', { cwd, home, env: {} })).toEqual({
      authUrl: 'http://cwd:5000',
      password: 's3cret',
    });
  });

  it('says which cloud is missing and which clouds the file has', () => {
    writeFileSync(userFile('clouds.yaml'), 'clouds:\n  a: {}\n  b: {}\n');
    expect(() => loadCloud('nope', { cwd, home, env: {} })).toThrow(
      new CloudConfigError(`Cloud nope was not found in ${userFile('clouds.yaml')} (clouds there: a, b)`),
    );
    rmSync(userFile('clouds.yaml'));
    expect(() => loadCloud('nope', { cwd, home, env: {} })).toThrow(
      /^Cloud nope was not found: no clouds.yaml in /,
    );
  });

  it('refuses a file that is not YAML in one line naming it', () => {
    writeFileSync(join(cwd, 'clouds.yaml'), 'clouds: [unclosed\n');
    expect(() => loadCloud('x', { cwd, home, env: {} })).toThrow(
      new RegExp(`^${join(cwd, 'clouds.yaml')} is not valid YAML or JSON: [^\\n]+$`),
    );
  });
});

describe('settings', () => {
  it('infers the login: an application credential when one is given, else a password', () => {
    expect(
      credentialsFromSettings({
        authUrl: 'http://ks',
        applicationCredentialId: 'id',
        applicationCredentialSecret: 's',
      }).credentials,
    ).toMatchObject({ type: 'v3applicationcredential', applicationCredentialId: 'id' });
    expect(
      credentialsFromSettings({ authUrl: 'http://ks', username: 'u', password: 'p', projectName: 'x' })
        .credentials,
    ).toMatchObject({ type: 'password', username: 'u', projectName: 'x' });
  });

  it('names the missing option as glanceclient does', () => {
    expect(() => credentialsFromSettings({ username: 'u' })).toThrow(
      'You must provide an auth url via either --os-auth-url or env[OS_AUTH_URL]',
    );
    expect(() => credentialsFromSettings({ authUrl: 'http://ks', password: 'p' })).toThrow(
      'You must provide a username via either --os-username or env[OS_USERNAME]',
    );
    expect(() => credentialsFromSettings({ authUrl: 'http://ks', username: 'u' })).toThrow(
      'You must provide a password via either --os-password or env[OS_PASSWORD]',
    );
    expect(() =>
      credentialsFromSettings({
        authUrl: 'http://ks',
        authType: 'v3applicationcredential',
        applicationCredentialId: 'i',
      }),
    ).toThrow(/application credential secret/);
    expect(() => credentialsFromSettings({ authUrl: 'http://ks', authType: 'token' })).toThrow(
      'Auth type token is not supported (use password or v3applicationcredential)',
    );
  });

  it('turns an Identity URL into its v3 root', () => {
    expect(identityV3Url('http://ks:5000')).toBe('http://ks:5000/v3');
    expect(identityV3Url('http://ks:5000/v3/')).toBe('http://ks:5000/v3');
    expect(identityV3Url('https://cloud/identity/v2.0')).toBe('https://cloud/identity/v3');
    expect(identityV3Url('https://cloud/identity')).toBe('https://cloud/identity/v3');
  });
});
