// The image data path through the CLIs to the Ceph RBD store on a real Ceph cluster (a container
// from tools/ceph): our built CLI and Debian's python-glanceclient 4.1 against a glance-ts whose
// stores are `ceph` (rbd, pool images, the default), `thin` (rbd, pool thin, thin provisioning)
// and `local` (file). What the API wrote is checked from outside with the host's rbd CLI.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENS, useRbdTestbed } from '@glance-ts/api/testing';
import { type ClientRun, glanceclient, glanceTs, withoutIdentity } from '../support/both-clients';

// A python-glanceclient run costs about a second of Python start-up; librbd writes take a few more.
jest.setTimeout(180_000);

const MiB = 1024 * 1024;
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const member = (...args: string[]) => ['--os-auth-token', TOKENS.member, ...args];
const idOf = (run: ClientRun) => {
  const match = /\| id +\| ([0-9a-f-]{36}) +\|/.exec(run.stdout);
  if (!match) throw new Error(`no id in the output:\n${run.stdout}\n${run.stderr}`);
  return match[1];
};
const RAW_BARE = ['--disk-format', 'raw', '--container-format', 'bare'];

describe('image data through the CLIs to the rbd store on a real Ceph cluster', () => {
  const bed = useRbdTestbed('glance-ts-cli-rbd-');
  let counter = 0;

  /** Writes `data` to a fresh file in the work directory; returns its path. */
  const fileOf = (data: Buffer) => {
    const path = join(bed.work, `data-${++counter}.raw`);
    writeFileSync(path, data);
    return path;
  };
  const outFile = () => join(bed.work, `out-${++counter}.raw`);
  const rbdImages = async (pool: string) => (await bed.ceph.rbd(['ls', pool])).split('\n').filter(Boolean);
  const rbdSnapshots = async (pool: string, image: string) =>
    JSON.parse(await bed.ceph.rbd(['snap', 'ls', `${pool}/${image}`, '--format', 'json'])) as {
      name: string;
      protected: string;
    }[];
  const showField = async (id: string, field: string) => {
    const shown = await glanceTs(bed.api.url, member('image-show', id, '-f', 'json', '-c', field));
    expect(shown.status).toBe(0);
    return JSON.parse(shown.stdout)[field];
  };
  /** An image's data as stored, read back through a client into a file. */
  const downloadWith = async (client: typeof glanceTs, id: string) => {
    const out = outFile();
    const run = await client(bed.api.url, member('image-download', id, '--file', out));
    expect(run).toEqual({ stdout: '', stderr: '', status: 0 });
    return readFileSync(out);
  };
  const expectStored = async (pool: string, id: string) => {
    expect(await rbdImages(pool)).toContain(id);
    expect(await rbdSnapshots(pool, id)).toEqual([
      expect.objectContaining({ name: 'snap', protected: 'true' }),
    ]);
  };

  it('our CLI: image-create --file --store ceph, image-download, image-delete: an rbd image in pool images and its snap, then none', async () => {
    const data = randomBytes(5 * MiB + 777);
    const created = await glanceTs(
      bed.api.url,
      member('image-create', '--file', fileOf(data), '--store', 'ceph', ...RAW_BARE, '--name', 'x'),
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/\| status +\| active +\|/);
    expect(created.stdout).toMatch(/\| stores +\| ceph +\|/);
    expect(created.stdout).toMatch(new RegExp(`\\| size +\\| ${data.length} +\\|`));
    expect(created.stdout).toMatch(new RegExp(`\\| checksum +\\| ${md5(data)} +\\|`));
    const id = idOf(created);
    // The table wraps the 128-digit hash at 80 columns, as glanceclient does.
    expect(await showField(id, 'os_hash_value')).toBe(sha512(data));
    await expectStored('images', id);
    expect(await rbdImages('thin')).not.toContain(id);
    const info = JSON.parse(await bed.ceph.rbd(['info', `images/${id}`, '--format', 'json'])) as {
      size: number;
      order: number;
    };
    expect(info).toMatchObject({ size: data.length, order: 22 }); // rbd_store_chunk_size = 4 (MiB)

    expect(sha512(await downloadWith(glanceTs, id))).toBe(sha512(data));

    const deleted = await glanceTs(bed.api.url, member('image-delete', id));
    expect(deleted).toEqual({ stdout: '', stderr: '', status: 0 });
    expect(await rbdImages('images')).not.toContain(id);
    const shown = await glanceTs(bed.api.url, member('image-show', id));
    expect(shown.status).toBe(1);
  });

  it('our CLI: image-create with the data piped in and --store thin: pool thin, zero chunks not written', async () => {
    // Two whole 1 MiB chunks (the thin store's chunk size) of zeros in the middle.
    const data = randomBytes(5 * MiB + 4321);
    data.fill(0, MiB, 3 * MiB);
    const created = await glanceTs(
      bed.api.url,
      member('image-create', '--store', 'thin', ...RAW_BARE, '--name', 'x'),
      {
        stdin: { file: fileOf(data) },
      },
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/\| status +\| active +\|/);
    expect(created.stdout).toMatch(/\| stores +\| thin +\|/);
    const id = idOf(created);
    // The table wraps the 128-digit hash at 80 columns, as glanceclient does.
    expect(await showField(id, 'os_hash_value')).toBe(sha512(data));
    await expectStored('thin', id);
    expect(await rbdImages('images')).not.toContain(id);
    const usage = JSON.parse(await bed.ceph.rbd(['du', `thin/${id}@snap`, '--format', 'json'])) as {
      images: { provisioned_size: number; used_size: number }[];
    };
    expect(usage.images[0].provisioned_size).toBe(data.length);
    expect(usage.images[0].used_size).toBeLessThanOrEqual(data.length - 2 * MiB);

    expect(sha512(await downloadWith(glanceTs, id))).toBe(sha512(data));
    // And to stdout.
    const piped = await glanceTs(bed.api.url, member('image-download', id), { binaryStdout: true });
    expect(piped.status).toBe(0);
    expect(sha512(Buffer.from(piped.stdout, 'latin1'))).toBe(sha512(data));

    expect(await glanceTs(bed.api.url, member('image-delete', id))).toEqual({
      stdout: '',
      stderr: '',
      status: 0,
    });
    expect(await rbdImages('thin')).not.toContain(id);
  });

  it('our CLI: image-upload --file --store thin to an image created empty', async () => {
    const data = randomBytes(3 * MiB + 99);
    const created = await glanceTs(bed.api.url, member('image-create', ...RAW_BARE, '--name', 'x'));
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/\| status +\| queued +\|/);
    const id = idOf(created);
    const uploaded = await glanceTs(
      bed.api.url,
      member('image-upload', id, '--file', fileOf(data), '--store', 'thin'),
    );
    expect(uploaded).toEqual({ stdout: '', stderr: '', status: 0 });
    expect(await showField(id, 'status')).toBe('active');
    expect(await showField(id, 'stores')).toBe('thin');
    await expectStored('thin', id);
    expect(sha512(await downloadWith(glanceTs, id))).toBe(sha512(data));
    expect((await glanceTs(bed.api.url, member('image-delete', id))).status).toBe(0);
    expect(await rbdImages('thin')).not.toContain(id);
  });

  it('interop through rbd: what either client stores in ceph, the other downloads whole', async () => {
    const data = randomBytes(5 * MiB + 12345);
    const source = fileOf(data);
    const create = member(
      'image-create',
      '--file',
      source,
      '--store',
      'ceph',
      ...RAW_BARE,
      '--name',
      'interop',
    );
    const theirs = await glanceclient(bed.api.url, create);
    const ours = await glanceTs(bed.api.url, create);
    expect(theirs.status).toBe(0);
    expect(withoutIdentity(ours)).toEqual(withoutIdentity(theirs));
    const [theirId, ourId] = [idOf(theirs), idOf(ours)];
    for (const id of [theirId, ourId]) await expectStored('images', id);

    expect(sha512(await downloadWith(glanceTs, theirId))).toBe(sha512(data));
    expect(sha512(await downloadWith(glanceclient, ourId))).toBe(sha512(data));

    expect(await glanceclient(bed.api.url, member('image-delete', ourId))).toEqual({
      stdout: '',
      stderr: '',
      status: 0,
    });
    expect(await glanceTs(bed.api.url, member('image-delete', theirId))).toEqual({
      stdout: '',
      stderr: '',
      status: 0,
    });
    const left = await rbdImages('images');
    expect(left).not.toContain(theirId);
    expect(left).not.toContain(ourId);
  });

  it('an image whose snap has a clone: image-delete fails (409) as in glanceclient, and succeeds once the clone is gone', async () => {
    const data = randomBytes(2 * MiB + 5);
    const created = await glanceTs(
      bed.api.url,
      member('image-create', '--file', fileOf(data), '--store', 'ceph', ...RAW_BARE, '--name', 'cloned'),
    );
    expect(created.status).toBe(0);
    const id = idOf(created);
    await bed.ceph.rbd(['clone', `images/${id}@snap`, 'volumes/v1']);
    expect(await rbdImages('volumes')).toEqual(['v1']);

    const ours = await glanceTs(bed.api.url, member('image-delete', id));
    const theirs = await glanceclient(bed.api.url, member('image-delete', id));
    expect(ours).toEqual(theirs);
    expect(ours).toEqual({
      stdout: '',
      stderr: `Unable to delete image '${id}' because it is in use.\n`,
      status: 1,
    });
    expect(await showField(id, 'status')).toBe('active');
    await expectStored('images', id);
    expect(sha512(await downloadWith(glanceTs, id))).toBe(sha512(data));

    await bed.ceph.rbd(['rm', '--no-progress', 'volumes/v1']);
    expect(await glanceTs(bed.api.url, member('image-delete', id))).toEqual({
      stdout: '',
      stderr: '',
      status: 0,
    });
    expect(await rbdImages('images')).not.toContain(id);
    expect(await rbdImages('volumes')).toEqual([]);
  });
});
