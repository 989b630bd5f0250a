import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sixStoresWithTokens, tokenFiles } from './support/configs';
import { type RunningApi, startApi } from './support/test-api';

/** Polls until `check` passes or the deadline; file-watch events arrive asynchronously. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('policy file changes while running', () => {
  let api: RunningApi;
  const memberStatus = async () =>
    (await fetch(`${api.url}/v2/info/stores/detail`, { headers: { 'x-auth-token': 'member-token' } })).status;

  beforeAll(async () => {
    const config = `${sixStoresWithTokens()}\n[oslo_policy]\npolicy_file = policy.yaml\n`;
    api = await startApi(config, {
      files: { ...tokenFiles(), 'policy.yaml': '"stores_info_detail": "role:admin"\n' },
      watchPolicy: true,
    });
  });
  afterAll(() => api?.close());

  it('applies an edited file without a restart', async () => {
    expect(await memberStatus()).toBe(403);
    writeFileSync(join(api.dir, 'policy.yaml'), '"stores_info_detail": "role:member"\n');
    expect(await eventually(async () => (await memberStatus()) === 200)).toBe(true);
  });

  it('keeps the last good rules when the file becomes invalid, and logs why', async () => {
    writeFileSync(join(api.dir, 'policy.yaml'), '"stores_info_detail": "role:member or (role:x"\n');
    expect(
      await eventually(async () =>
        api.logs.some((line) => line.includes('"level":50') && line.includes('policy.yaml')),
      ),
    ).toBe(true);
    expect(await memberStatus()).toBe(200);
  });

  it('replaces the rules: a rule removed from the file returns to its default', async () => {
    writeFileSync(join(api.dir, 'policy.yaml'), '"get_images": "role:admin"\n');
    expect(await eventually(async () => (await memberStatus()) === 403)).toBe(true);
  });
});
