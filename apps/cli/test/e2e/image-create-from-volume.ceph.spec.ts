// `glance image-create-from-volume` end to end: the built CLI turns an RBD volume on a real Ceph
// cluster (a container from tools/ceph) into an image of a glance-ts whose default store `ceph` is
// rbd on the same cluster — by copy-on-write clone with --enable-clone-optimization, else by
// streaming the bytes. Checked from outside with the rbd CLI and by downloading the image.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENS, useRbdTestbed } from '@glance-ts/api/testing';
import { glanceTs } from '../support/both-clients';

jest.setTimeout(180_000);

const MiB = 1024 * 1024;
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

describe('glance image-create-from-volume on a real Ceph cluster', () => {
  const bed = useRbdTestbed('glance-ts-cli-volume-');
  let counter = 0;

  /** A volume written with `rbd import` from a file of random data; returns its name and data. */
  const createVolume = async (size: number) => {
    const name = `cli-volume-${++counter}`;
    const data = randomBytes(size);
    const file = join(bed.work, `${name}.raw`);
    writeFileSync(file, data);
    await bed.ceph.rbd(['import', '--no-progress', file, `volumes/${name}`]);
    return { name, data };
  };
  // Cinder's kind of user: admin and the service role, which RBD locations need (OSSN-0065).
  const fromVolume = (name: string, ...args: string[]) =>
    glanceTs(bed.api.url, [
      '--os-auth-token',
      TOKENS.serviceAdmin,
      'image-create-from-volume',
      '--volume-pool',
      'volumes',
      '--volume',
      name,
      '--volume-ceph-conf',
      bed.ceph.confPath,
      '--volume-keyring',
      bed.ceph.keyringPath,
      '--volume-user',
      bed.ceph.user,
      ...args,
    ]);
  const download = async (id: string) => {
    const answer = await bed.api.call('GET', `/v2/images/${id}/file`, TOKENS.admin);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const snapshots = async (spec: string) =>
    (JSON.parse(await bed.ceph.rbd(['snap', 'ls', spec, '--format', 'json'])) as { name: string }[]).map(
      (snapshot) => snapshot.name,
    );

  it('--enable-clone-optimization --flatten background -f json: a clone, flattened before the command exits', async () => {
    const { name, data } = await createVolume(12 * MiB);
    const run = await fromVolume(
      name,
      '--name',
      'cloned',
      '--property',
      'source=cli',
      '--enable-clone-optimization',
      '--flatten',
      'background',
      '-f',
      'json',
    );
    expect(run.status).toBe(0);
    const output = JSON.parse(run.stdout) as {
      image: Record<string, unknown>;
      path: string;
      reason: string;
      cow_error: string | null;
    };
    expect(output).toMatchObject({ path: 'cow', reason: 'copy-on-write clone', cow_error: null });
    expect(output.image).toMatchObject({
      name: 'cloned',
      status: 'active',
      size: data.length,
      disk_format: 'raw',
      container_format: 'bare',
      source: 'cli',
      stores: 'ceph',
    });
    expect(run.stderr).toMatch(/Flattened in [\d.]+ s; the volume snapshot is removed\./);
    const id = output.image.id as string;
    const info = JSON.parse(await bed.ceph.rbd(['info', `images/${id}`, '--format', 'json'])) as {
      parent?: unknown;
    };
    expect(info.parent).toBeUndefined();
    expect(await snapshots(`volumes/${name}`)).toEqual([]);
    expect(sha512(await download(id))).toBe(sha512(data));
  });

  it('without the optimization: the bytes are uploaded; the table as image-show, the path on stderr', async () => {
    const { name, data } = await createVolume(10 * MiB + 4096);
    const run = await fromVolume(name, '--name', 'streamed', '--property', 'a=b', '--property', 'c=d=e');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('Path: generic (clone optimization is off)\n');
    expect(run.stdout).toMatch(/^\| Property +\| Value +\|$/m);
    expect(run.stdout).toMatch(/^\| status +\| active +\|$/m);
    expect(run.stdout).toMatch(/^\| c +\| d=e +\|$/m);
    const id = /^\| id +\| ([0-9a-f-]{36}) +\|$/m.exec(run.stdout)![1];
    expect(await snapshots(`volumes/${name}`)).toEqual([]);
    expect(sha512(await download(id))).toBe(sha512(data));

    const value = await fromVolume(name, '-f', 'value', '-c', 'path', '-c', 'reason', '-c', 'size');
    expect(value).toMatchObject({ status: 0, stderr: '' });
    expect(value.stdout).toBe(`${data.length}\ngeneric\nclone optimization is off\n`);
  });

  it('reports a missing volume option as a usage error and a missing volume as an error line', async () => {
    const usage = await glanceTs(bed.api.url, [
      '--os-auth-token',
      TOKENS.admin,
      'image-create-from-volume',
      '--volume-pool',
      'volumes',
    ]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/error: the following arguments are required: --volume/);

    const missing = await fromVolume('no-such-volume');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/volumes\/no-such-volume.*ENOENT/);
  });
});
