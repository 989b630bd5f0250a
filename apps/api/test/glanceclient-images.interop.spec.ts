// Debian's python-glanceclient 4.1 drives the whole image life cycle against glance-ts, on SQLite
// and on PostgreSQL: what users of the real client will do first.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeQcow2 } from './support/disk-images';
import { pythonGlance } from './support/python-glanceclient';
import { DIALECTS, type ImageApi, md5, randomData, sha512, startImageApi, TOKENS } from './support/images';

// Each python-glanceclient run costs a Python start-up (~1 s).
jest.setTimeout(120_000);

/** The Property/Value rows of a glanceclient table; a wrapped value's lines are joined. */
function tableRows(stdout: string): Record<string, string> {
  const rows: Record<string, string> = {};
  let last: string | null = null;
  for (const line of stdout.split('\n')) {
    const cells = line.split('|');
    if (cells.length !== 4 || line.startsWith('+')) continue;
    const key = cells[1].trim();
    if (key === 'Property') continue;
    if (key) {
      rows[key] = cells[2].trim();
      last = key;
    } else if (last !== null) {
      rows[last] += cells[2].trim();
    }
  }
  return rows;
}

describe.each(DIALECTS)('python-glanceclient image life cycle on %s', (dialect) => {
  let api: ImageApi;
  let work: string;
  beforeAll(async () => {
    api = await startImageApi(dialect);
    work = mkdtempSync(join(tmpdir(), 'glanceclient-images-'));
  });
  afterAll(async () => {
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });
  const glance = (...args: string[]) => pythonGlance(api.url, ['--os-auth-token', TOKENS.member, ...args]);

  it('creates with --file, lists, shows, updates, tags, downloads identical bytes and deletes', async () => {
    const data = randomData(5 * 1024 * 1024 + 3);
    const source = join(work, 'source.raw');
    writeFileSync(source, data);

    const created = await glance(
      'image-create',
      '--name',
      'interop',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      source,
      '--store',
      'scratch',
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const image = tableRows(created.stdout);
    expect(image).toMatchObject({
      name: 'interop',
      status: 'active',
      size: String(data.length),
      checksum: md5(data),
      os_hash_algo: 'sha512',
      os_hash_value: sha512(data),
      stores: 'scratch',
      disk_format: 'raw',
    });
    const id = image.id;
    expect(api.storeFiles('scratch')).toContain(id);

    const listed = await glance('image-list');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`\\| ${id} \\| interop +\\|`));

    const updated = await glance('image-update', '--property', 'hw_disk_bus=scsi', '--name', 'renamed', id);
    expect(updated.stderr).toBe('');
    expect(tableRows(updated.stdout)).toMatchObject({ hw_disk_bus: 'scsi', name: 'renamed' });

    expect((await glance('image-tag-update', id, 'golden')).status).toBe(0);
    expect(tableRows((await glance('image-show', id)).stdout).tags).toBe('["golden"]');
    expect((await glance('image-tag-delete', id, 'golden')).status).toBe(0);
    expect(tableRows((await glance('image-show', id)).stdout).tags).toBe('[]');

    const target = join(work, 'downloaded.raw');
    const downloaded = await glance('image-download', '--file', target, id);
    expect(downloaded.stderr).toBe('');
    expect(downloaded.status).toBe(0);
    expect(sha512(readFileSync(target))).toBe(sha512(data));

    const deleted = await glance('image-delete', id);
    expect(deleted.status).toBe(0);
    expect(api.storeFiles('scratch')).not.toContain(id);
    const gone = await glance('image-show', id);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toBe(`HTTP 404 Not Found: No image found with ID ${id}\n`);
  });

  it('uploads to a created image with image-upload and reports errors as Glance would', async () => {
    const created = await glance(
      'image-create',
      '--name',
      'later',
      '--disk-format',
      'qcow2',
      '--container-format',
      'bare',
    );
    expect(created.status).toBe(0);
    const id = tableRows(created.stdout).id;
    expect(tableRows(created.stdout).status).toBe('queued');

    // Data that is not the qcow2 it claims to be is refused, as Glance HEAD does, and changes nothing.
    const notQcow2 = join(work, 'random.qcow2');
    writeFileSync(notQcow2, randomData(300_000));
    const refused = await glance('image-upload', '--file', notQcow2, id);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      'HTTP 415 Unsupported Media Type: The request media type application/octet-stream is not supported by this server.: Image disk_format qcow2 does not match stream data raw\n',
    );
    expect(tableRows((await glance('image-show', id)).stdout).status).toBe('queued');

    const source = join(work, 'later.qcow2');
    makeQcow2(source, 64 * 1024 * 1024);
    const data = readFileSync(source);
    const uploaded = await glance('image-upload', '--file', source, id);
    expect(uploaded.stderr).toBe('');
    expect(uploaded.status).toBe(0);
    expect(tableRows((await glance('image-show', id)).stdout)).toMatchObject({
      status: 'active',
      checksum: md5(data),
      virtual_size: String(64 * 1024 * 1024),
    });

    const again = await glance('image-upload', '--file', source, id);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('409 Conflict');

    const foreign = await pythonGlance(api.url, ['--os-auth-token', TOKENS.otherMember, 'image-delete', id]);
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toContain(`No image with an ID of '${id}' exists.`);
  });
});
