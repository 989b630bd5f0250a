import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The built service (`apps/api/dist/main.js`) refuses a bad configuration at start with one line
 * naming the file, section and key, and a non-zero exit — before opening a port.
 */
const MAIN = join(__dirname, '../dist/main.js');

function start(config: string, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-start-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'glance-api.conf'), config);
    const result = spawnSync(process.execPath, [MAIN, '--config-file', join(dir, 'glance-api.conf')], {
      encoding: 'utf8',
      timeout: 20000,
    });
    return { ...result, dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = '[auth]\nstrategy = noauth\n[DEFAULT]\nbind_port = 1\n';

describe('start-up with a bad configuration', () => {
  it.each([
    [
      'an unknown store type',
      `${base}enabled_backends = a:tape\n[glance_store]\ndefault_backend = a\n`,
      /\[DEFAULT\] enabled_backends/,
    ],
    [
      'a reserved store id',
      `${base}enabled_backends = os_glance_x:file\n`,
      /\[DEFAULT\] enabled_backends.*os_glance_/,
    ],
    [
      'a default backend that is not enabled',
      `${base}enabled_backends = a:http\n[glance_store]\ndefault_backend = b\n`,
      /\[glance_store\] default_backend/,
    ],
    [
      'a wrong value type',
      `${base}enabled_backends = a:rbd\n[glance_store]\ndefault_backend = a\n[a]\nrbd_store_chunk_size = eight\n`,
      /\[a\] rbd_store_chunk_size/,
    ],
    [
      'an s3 store without a bucket',
      `${base}enabled_backends = a:s3\n[glance_store]\ndefault_backend = a\n[a]\ns3_store_host = h\ns3_store_access_key = k\ns3_store_secret_key = s\n`,
      /\[a\] s3_store_bucket/,
    ],
    [
      'a file store without a data dir',
      `${base}enabled_backends = a:file\n[glance_store]\ndefault_backend = a\n`,
      /\[a\] filesystem_store_datadir/,
    ],
  ])('refuses %s with one line naming file, section and key', (_case, config, pattern) => {
    const result = start(config);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/glance-api\.conf/);
    expect(lines[0]).toMatch(pattern);
  });

  it('refuses an invalid policy file naming the file and the rule', () => {
    const result = start('[auth]\nstrategy = noauth\n[oslo_policy]\npolicy_file = policy.yaml\n', {
      'policy.yaml': '"stores_info_detail": "role:admin and"\n"get_images": 3\n',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/policy\.yaml/);
  });

  it('refuses a token file that is not a mapping of tokens', () => {
    const result = start('[auth]\nstrategy = token_file\ntoken_file = tokens.yaml\n', {
      'tokens.yaml': '- just\n- a list\n',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/tokens\.yaml/);
  });
});
