import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keystoneSettings } from './keystone-login';

describe('keystoneSettings', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'glance-ts-cli-login-'));
    writeFileSync(
      join(dir, 'clouds.yaml'),
      'clouds:\n  c1:\n    auth:\n      auth_url: http://cloud/v3\n      username: from-cloud\n      project_name: p-cloud\n    region_name: R1\n',
    );
    env = { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLIENT_SECURE_FILE: join(dir, 'none.yaml') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const files = () => ({ cwd: dir, home: dir });

  it('is null when no login is configured: the token options apply', () => {
    expect(keystoneSettings({}, { OS_USERNAME: 'u', OS_PASSWORD: 'p' }, files())).toBeNull();
  });

  it('takes the clouds.yaml entry, OS_* variables over it and options over both', () => {
    expect(keystoneSettings({ 'os-cloud': 'c1' }, env, files())).toEqual({
      authUrl: 'http://cloud/v3',
      username: 'from-cloud',
      projectName: 'p-cloud',
      regionName: 'R1',
    });
    const withEnv = { ...env, OS_CLOUD: 'c1', OS_USERNAME: 'from-env', OS_REGION_NAME: 'R2' };
    expect(keystoneSettings({ 'os-username': 'from-option', insecure: true }, withEnv, files())).toEqual({
      authUrl: 'http://cloud/v3',
      username: 'from-option',
      projectName: 'p-cloud',
      regionName: 'R2',
      insecure: true,
    });
  });

  it('reads --os-endpoint-type as the interface, and an auth URL from the environment alone', () => {
    expect(
      keystoneSettings({ 'os-endpoint-type': 'internal' }, { OS_AUTH_URL: 'http://ks/v3' }, files()),
    ).toEqual({
      authUrl: 'http://ks/v3',
      interface: 'internal',
    });
  });

  it('reads OS_* variables, legacy tenant names included, empty ones as unset', () => {
    expect(
      keystoneSettings(
        {},
        {
          OS_AUTH_URL: 'http://ks/v3',
          OS_USERNAME: 'u',
          OS_PASSWORD: '',
          OS_TENANT_NAME: 'legacy',
          OS_ENDPOINT_TYPE: 'internalURL',
          OS_INSECURE: 'true',
        },
        files(),
      ),
    ).toEqual({
      authUrl: 'http://ks/v3',
      username: 'u',
      projectName: 'legacy',
      interface: 'internalURL',
      insecure: true,
    });
  });

  it('takes --os-interface over --os-endpoint-type, and OS_INTERFACE over OS_ENDPOINT_TYPE', () => {
    const env = { OS_AUTH_URL: 'http://ks/v3', OS_ENDPOINT_TYPE: 'admin', OS_INTERFACE: 'internal' };
    expect(keystoneSettings({}, env, files())?.interface).toBe('internal');
    expect(
      keystoneSettings({ 'os-endpoint-type': 'admin', 'os-interface': 'public' }, env, files())?.interface,
    ).toBe('public');
  });

  it('names an unknown cloud in one line', () => {
    expect(() => keystoneSettings({ 'os-cloud': 'c9' }, env, files())).toThrow(
      `Cloud c9 was not found in ${join(dir, 'clouds.yaml')} (clouds there: c1)`,
    );
  });
});
