// The built CLI against the real glance-ts API (apps/api), side by side with the real
// python-glanceclient against the same running server: both must print the same bytes.
import { useTokenApis, pythonGlance } from '@glance-ts/api/testing';
import { runCli } from '../support/run-cli';

jest.setTimeout(60_000);

describe('glance (glance-ts CLI) against a running glance-ts', () => {
  const apis = useTokenApis();

  it.each([
    ['admin list', 'api', ['--os-auth-token', 'admin-token', 'stores-info']],
    ['admin detail', 'api', ['--os-auth-token', 'admin-token', 'stores-info', '--detail']],
    ['service detail', 'api', ['--os-auth-token', 'service-token', 'stores-info', '--detail']],
    ['member list', 'api', ['--os-auth-token', 'member-token', 'stores-info']],
    ['member detail (403)', 'api', ['--os-auth-token', 'member-token', 'stores-info', '--detail']],
    ['unknown token (401)', 'api', ['--os-auth-token', 'nope', 'stores-info']],
    ['no multi-store (404)', 'noMulti', ['--os-auth-token', 'admin-token', 'stores-info', '--detail']],
  ] as const)('prints what python-glanceclient prints: %s', async (_name, target, args) => {
    const url = (target === 'api' ? apis.api : apis.noMulti).url;
    const ours = await runCli(['--os-image-url', url, ...args]);
    const theirs = await pythonGlance(url, args);
    expect(ours).toEqual(theirs);
  });

  it('gives scripts the live details as JSON, fsid and weight included', async () => {
    const result = await runCli([
      '--os-image-url',
      apis.api.url,
      '--os-auth-token',
      'admin-token',
      'stores-info',
      '--detail',
      '-f',
      'json',
    ]);
    expect(result.status).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rows.map((row) => row.ID)).toEqual(['fast', 'cheap', 'web', 'cinderstore', 'objects', 's3store']);
    expect(rows[0]).toMatchObject({ Type: 'rbd', Weight: 0, Properties: { pool: 'images', fsid: null } });
  });
});
