// The CLI logging in to a real Keystone (Debian's python3-keystone, started by libs/testing) and
// finding glance-ts through the service catalog — with --os-* options, OS_* variables and
// clouds.yaml — beside the real python-glanceclient and openstackclient doing the same.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ImageCloud, provisionImageCloud, startKeystone, type TestKeystone } from '@glance-ts/testing';
import { keystoneFileStoreConfig, type RunningApi, startApi } from '@glance-ts/api/testing';
import { CLI, runCli } from '../support/run-cli';

jest.setTimeout(120_000);

interface Result {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** `program args` with stdin closed (as at a terminal with nothing piped in) and only `env`. */
function runClosed(program: string[], args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', 'exec "$@" <&-', 'sh', ...program, ...args],
      { encoding: 'utf8', env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const status = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ stdout, stderr, status });
      },
    );
  });
}

/** A Debian Python client (`/usr/bin/glance`, `/usr/bin/openstack`) with only these variables. */
const runPythonClient = (command: string, args: string[], env: Record<string, string>) =>
  runClosed([command], args, { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', ...env });

describe('glance with Keystone credentials', () => {
  let keystone: TestKeystone;
  let cloud: ImageCloud;
  let api: RunningApi;
  let dir: string;
  /** alice's login as OS_* variables. */
  let aliceEnv: Record<string, string>;

  beforeAll(async () => {
    keystone = await startKeystone();
    cloud = await provisionImageCloud(keystone);
    api = await startApi(keystoneFileStoreConfig(cloud));
    await keystone.registerService({ type: 'image', name: 'glance', url: api.url });
    dir = mkdtempSync(join(tmpdir(), 'glance-ts-cli-keystone-'));
    aliceEnv = {
      OS_AUTH_URL: keystone.authUrl,
      OS_USERNAME: cloud.alice.name,
      OS_PASSWORD: cloud.alice.password,
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_IDENTITY_API_VERSION: '3',
      // The Python clients keep caches in HOME: the test's own directory, removed at the end.
      HOME: dir,
    };
  }, 180_000);
  afterAll(async () => {
    await api?.close();
    await keystone?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const aliceOptions = () => [
    '--os-auth-url',
    keystone.authUrl,
    '--os-username',
    cloud.alice.name,
    '--os-password',
    cloud.alice.password,
    '--os-project-name',
    'demo',
    '--os-user-domain-name',
    'Default',
    '--os-project-domain-name',
    'Default',
  ];

  it('logs in with --os-* options and finds the image endpoint in the catalog', async () => {
    // stdin closed, as at a terminal: image-create reads image data from any other stdin.
    const created = await runClosed(
      [process.execPath, CLI],
      [...aliceOptions(), 'image-create', '--name', 'from-options', '-f', 'json'],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
      },
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const image = JSON.parse(created.stdout) as { id: string; owner: string };
    expect(image.owner).toBe(cloud.alice.projectId);
    // The same with OS_* variables, and python-glanceclient through the catalog sees the same image.
    const listed = await runCli(['image-list', '-f', 'json'], aliceEnv);
    expect(listed.status).toBe(0);
    expect((JSON.parse(listed.stdout) as { ID: string }[]).map((row) => row.ID)).toContain(image.id);
    const theirs = await runPythonClient('/usr/bin/glance', ['image-show', image.id], aliceEnv);
    expect(theirs.stderr).toBe('');
    expect(theirs.stdout).toContain(image.id);
    expect((await runCli(['image-delete', image.id], aliceEnv)).status).toBe(0);
  });

  it('uses --os-cloud with clouds.yaml and the password from secure.yaml', async () => {
    const clouds = join(dir, 'clouds.yaml');
    const secure = join(dir, 'secure.yaml');
    writeFileSync(
      clouds,
      `clouds:\n  devstack:\n    auth:\n      auth_url: ${keystone.url}\n      username: ${cloud.bob.name}\n` +
        `      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n` +
        `    region_name: RegionOne\n    interface: public\n`,
    );
    writeFileSync(secure, `clouds:\n  devstack:\n    auth:\n      password: ${cloud.bob.password}\n`);
    const env = { OS_CLIENT_CONFIG_FILE: clouds, OS_CLIENT_SECURE_FILE: secure };
    const listed = await runCli(['--os-cloud', 'devstack', 'stores-info'], env);
    expect(listed.stderr).toBe('');
    expect([listed.status, listed.stdout]).toEqual([0, expect.stringContaining('local')]);
    // bob is a reader: the store details are refused by glance-ts (403), not by the login.
    const detail = await runCli(['stores-info', '--detail'], { ...env, OS_CLOUD: 'devstack' });
    expect([detail.status, detail.stderr]).toEqual([1, expect.stringContaining('403 Forbidden')]);
  });

  it('logs in with an application credential', async () => {
    const token = await cloud.token(cloud.alice);
    const credential = await keystone.createApplicationCredential(cloud.alice.id, token, 'cli-test');
    const result = await runCli([
      '--os-auth-url',
      keystone.authUrl,
      '--os-application-credential-id',
      credential.id,
      '--os-application-credential-secret',
      credential.secret,
      'image-list',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each([
    [
      'a wrong password',
      () => ['--os-password', 'not-her-password'],
      /^Keystone at \S+ refused the login of user alice \(HTTP 401\): .+\n$/,
    ],
    [
      'an unknown cloud',
      () => ['--os-cloud', 'nowhere'],
      /^Cloud nowhere was not found: no clouds.yaml in .+\n$/,
    ],
    [
      'no image endpoint in the region',
      () => ['--os-region-name', 'Atlantis'],
      /^The service catalog has no public endpoint for service type image in region Atlantis\n$/,
    ],
    [
      'Keystone unreachable',
      () => ['--os-auth-url', 'http://127.0.0.1:9/v3'],
      /^Keystone at http:\/\/127.0.0.1:9\/v3 did not answer \(ECONNREFUSED\) after 2 attempts\n$/,
    ],
  ])('fails in one line, exit 1, on %s', async (_case, extra, message) => {
    const result = await runCli([...aliceOptions(), ...extra(), 'image-list']);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(1);
  });

  it('image-create-from-volume logs in with the same credentials before it touches Ceph', async () => {
    const result = await runCli([
      ...aliceOptions(),
      'image-create-from-volume',
      '--volume-pool',
      'volumes',
      '--volume',
      'v1',
      '--volume-ceph-conf',
      join(dir, 'no-such-ceph.conf'),
    ]);
    expect(result.status).toBe(1);
    // Past the login and the store discovery (alice may not read store details: 403 from glance-ts).
    expect(result.stderr).not.toMatch(/You must provide|Keystone/);
    expect(result.stderr).toMatch(/403|stores_info_detail/);
  });

  it('openstackclient drives the image life cycle against glance-ts through the catalog', async () => {
    const disk = join(dir, 'disk.raw');
    const copy = join(dir, 'copy.raw');
    writeFileSync(disk, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
    const openstack = (...args: string[]) => runPythonClient('/usr/bin/openstack', args, aliceEnv);
    const created = await openstack(
      'image',
      'create',
      '--file',
      disk,
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '-f',
      'json',
      'osc-image',
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    // openstackclient prints the image as created (queued, as against Glance); the data follows.
    const { id } = JSON.parse(created.stdout) as { id: string };
    const shown = await openstack('image', 'show', '-f', 'json', id);
    const image = JSON.parse(shown.stdout) as { id: string; status: string; size: number; owner: string };
    expect([image.status, image.size, image.owner]).toEqual([
      'active',
      3 * 1024 * 1024 + 17,
      cloud.alice.projectId,
    ]);
    const listed = await openstack('image', 'list', '-f', 'json');
    expect((JSON.parse(listed.stdout) as { ID: string }[]).map((row) => row.ID)).toContain(image.id);
    expect((await openstack('image', 'save', '--file', copy, image.id)).status).toBe(0);
    expect(readFileSync(copy).equals(readFileSync(disk))).toBe(true);
    expect((await openstack('image', 'delete', image.id)).status).toBe(0);
    const gone = await runCli(['image-show', image.id], aliceEnv);
    expect([gone.status, gone.stderr]).toEqual([1, expect.stringContaining('404 Not Found')]);
  });

  it('openstackclient shares an image from project demo to project other, which accepts it', async () => {
    const env = (user: { name: string; password: string }, project: string) => ({
      ...aliceEnv,
      OS_USERNAME: user.name,
      OS_PASSWORD: user.password,
      OS_PROJECT_NAME: project,
    });
    const asAlice = (...args: string[]) => runPythonClient('/usr/bin/openstack', args, aliceEnv);
    const asCarol = (...args: string[]) =>
      runPythonClient('/usr/bin/openstack', args, env(cloud.carol, 'other'));
    const disk = join(dir, 'golden.raw');
    writeFileSync(disk, Buffer.alloc(1024, 1));
    // With --file: openstackclient reads stdin otherwise (and fails on a closed one).
    const created = await asAlice('image', 'create', '--shared', '--file', disk, '-f', 'json', 'golden');
    expect([created.status, created.stderr]).toEqual([0, '']);
    const { id } = JSON.parse(created.stdout) as { id: string };

    const added = await asAlice('image', 'add', 'project', '-f', 'json', id, cloud.carol.projectId);
    expect([added.status, added.stderr]).toEqual([0, '']);
    expect(JSON.parse(added.stdout)).toMatchObject({
      image_id: id,
      member_id: cloud.carol.projectId,
      status: 'pending',
    });
    const carolsBefore = await asCarol('image', 'list', '-f', 'json');
    expect((JSON.parse(carolsBefore.stdout) as { ID: string }[]).map((row) => row.ID)).not.toContain(id);

    const accepted = await asCarol('image', 'set', '--accept', id);
    expect([accepted.status, accepted.stderr]).toEqual([0, '']);
    const carolsAfter = await asCarol('image', 'list', '-f', 'json');
    expect((JSON.parse(carolsAfter.stdout) as { ID: string }[]).map((row) => row.ID)).toContain(id);

    const members = await asAlice('image', 'member', 'list', '-f', 'json', id);
    expect(JSON.parse(members.stdout)).toEqual([
      { 'Image ID': id, 'Member ID': cloud.carol.projectId, Status: 'accepted' },
    ]);
    // Carol may not share the image further, nor remove the owner's sharing.
    const refused = await asCarol('image', 'add', 'project', id, cloud.alice.projectId);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('403');
    expect((await asAlice('image', 'delete', id)).status).toBe(0);
  });

  it("works for Nova's pattern: an admin creates an image owned by another project and shares it with it", async () => {
    // Nova, snapshotting another project's server as admin, creates the image for the instance's
    // project and adds that project as a member (nova/image/glance.py).
    const token = await cloud.token(cloud.admin);
    const headers = { 'x-auth-token': token, 'content-type': 'application/json' };
    const created = await fetch(`${api.url}/v2/images`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'snapshot', visibility: 'shared', owner: cloud.alice.projectId }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const added = await fetch(`${api.url}/v2/images/${id}/members`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ member: cloud.carol.projectId }),
    });
    expect(added.status).toBe(200);
    // The project sees its image; the member sees it by id before accepting.
    const asCarol = await cloud.token(cloud.carol);
    const shown = await fetch(`${api.url}/v2/images/${id}`, { headers: { 'x-auth-token': asCarol } });
    expect(shown.status).toBe(200);
    const asAliceToken = await cloud.token(cloud.alice);
    const list = await fetch(`${api.url}/v2/images/${id}/members`, {
      headers: { 'x-auth-token': asAliceToken },
    });
    expect(
      ((await list.json()) as { members: { member_id: string }[] }).members.map((m) => m.member_id),
    ).toEqual([cloud.carol.projectId]);
    const deleted = await fetch(`${api.url}/v2/images/${id}`, { method: 'DELETE', headers });
    expect(deleted.status).toBe(204);
  });
});
