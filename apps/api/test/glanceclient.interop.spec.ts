import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonGlance } from './support/python-glanceclient';
import { REFERENCE_DIR } from './support/reference-captures';
import { useTokenApis } from './support/configs';
import type { RunningApi } from './support/test-api';

/**
 * The real python-glanceclient (Debian's python3-glanceclient 4.1) against a running glance-ts.
 * Not skipped when missing: CI installs it, and a developer gets one line saying how.
 */
const glance = (api: RunningApi, token: string, ...args: string[]) =>
  pythonGlance(api.url, ['--os-auth-token', token, ...args]);

/** The `stores` value of a glanceclient Property/Value table, with the wrapped lines joined. */
function storesFromTable(table: string): unknown {
  const cells = table
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('| Property'))
    .map((line) => line.split('|')[2].trim());
  const text = cells.reduce(
    (joined, cell) => (joined === '' ? cell : joined.endsWith('-') ? joined + cell : `${joined} ${cell}`),
    '',
  );
  return JSON.parse(text);
}

describe('python-glanceclient against glance-ts', () => {
  const apis = useTokenApis();

  it('prints the store table exactly as against real Glance', async () => {
    const result = await glance(apis.api, 'admin-token', 'stores-info');
    const capture = readFileSync(join(REFERENCE_DIR, 'captures/client/03-stores-info-admin.txt'), 'utf8');
    const expectedTable = capture.split('\n').slice(1, -2).join('\n');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd()).toBe(expectedTable.trimEnd());
  });

  it('prints the detail table for an admin, with type, properties, fsid and weight', async () => {
    const result = await glance(apis.api, 'admin-token', 'stores-info', '--detail');
    expect(result.status).toBe(0);
    const served = await (
      await fetch(`${apis.api.url}/v2/info/stores/detail`, { headers: { 'x-auth-token': 'admin-token' } })
    ).json();
    expect({ stores: storesFromTable(result.stdout) }).toEqual(served);
    expect(result.stdout).toContain('"fsid": null');
    expect(result.stdout.split('\n')[0]).toMatch(/^\+-{10}\+-{82}\+$/);
  });

  it('lets a service user read the details', async () => {
    expect((await glance(apis.api, 'service-token', 'stores-info', '--detail')).status).toBe(0);
  });

  it('shows a member the 403 line', async () => {
    const result = await glance(apis.api, 'member-token', 'stores-info', '--detail');
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'HTTP 403 Forbidden: You are not authorized to complete stores_info_detail action.',
    );
    expect(result.status).toBe(1);
  });

  it('lists stores for a member', async () => {
    const result = await glance(apis.api, 'member-token', 'stores-info');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"id": "fast"');
  });

  it.each([
    ['admin-token', []],
    ['admin-token', ['--detail']],
    ['member-token', []],
    ['member-token', ['--detail']],
  ])('says multi-store is off without enabled_backends (%s %s)', async (token, extra) => {
    const result = await glance(apis.noMulti, token, 'stores-info', ...extra);
    expect(result.stderr.trim()).toBe('Multi Backend support is not enabled');
    expect(result.status).toBe(1);
  });

  it('keeps working once glanceclient has cached the image schema (real Glance breaks here)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'glanceclient-home-'));
    try {
      for (const run of [1, 2]) {
        const result = await pythonGlance(apis.api.url, ['--os-auth-token', 'admin-token', 'stores-info'], {
          home,
        });
        expect([run, result.stderr, result.status]).toEqual([run, '', 0]);
      }
      expect(existsSync(join(home, '.glanceclient/image_schema.json'))).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('rejects an unknown token as real Glance does', async () => {
    const result = await glance(apis.api, 'dummy', 'stores-info');
    expect(result.stderr.trim()).toBe('Invalid OpenStack Identity credentials.');
    expect(result.status).toBe(1);
  });
});
