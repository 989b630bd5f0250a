// A throw-away Ceph cluster for benchmarks: the glance-ts/ceph:test image (tools/ceph/build.sh), one
// mon and one OSD (BlueStore on a sparse file, or memstore), reached from the host through the container's bridge
// IP. Plain ESM so benchmark scripts need no build; tests use @glance-ts/testing instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the container and writes `ceph.conf` and the admin keyring into `dir`.
 * Returns { id, fsid, conf, keyring, rbdCommand, rbd(args, stdout?), shell(command), remove() }.
 */
export async function startCephContainer({
  dir,
  pools,
  osd = 'bluestore',
  osdGiB = 10,
  label = 'glance-ts.bench=true',
}) {
  const image = process.env.GLANCE_TEST_CEPH_IMAGE || 'glance-ts/ceph:test';
  const id = execFileSync(
    'docker',
    [
      'run',
      '-d',
      '--label',
      label,
      '-e',
      `CEPH_OSD=${osd}`,
      '-e',
      `CEPH_OSD_SIZE_GIB=${osdGiB}`,
      '-e',
      `CEPH_POOLS=${pools.join(' ')}`,
      image,
    ],
    { encoding: 'utf8' },
  ).trim();
  const remove = () => spawnSync('docker', ['rm', '-f', '-v', id], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 180_000;
    let ready = null;
    while (!ready) {
      const logs = spawnSync('docker', ['logs', id], { encoding: 'utf8' });
      ready = /CEPH READY fsid=([0-9a-f-]{36}) mon=([\d.]+):\d+/.exec(logs.stdout);
      if (ready) break;
      const running = spawnSync('docker', ['inspect', '-f', '{{.State.Running}}', id], { encoding: 'utf8' });
      if (running.stdout.trim() !== 'true' || Date.now() > deadline) {
        throw new Error(
          `the Ceph container did not start:\n${(logs.stdout + logs.stderr).split('\n').slice(-20).join('\n')}`,
        );
      }
      await sleep(500);
    }
    const [, fsid, ip] = ready;
    const keyring = join(dir, 'ceph.client.admin.keyring');
    execFileSync('docker', ['cp', `${id}:/etc/ceph/ceph.client.admin.keyring`, keyring]);
    const conf = join(dir, 'ceph.conf');
    writeFileSync(
      conf,
      [
        '[global]',
        `fsid = ${fsid}`,
        `mon_host = [v2:${ip}:3300,v1:${ip}:6789]`,
        `keyring = ${keyring}`,
        'client_mount_timeout = 30',
        'rados_mon_op_timeout = 30',
        'rados_osd_op_timeout = 30',
        'admin_socket =',
        'log_file =',
        '',
      ].join('\n'),
    );
    const cliArgs = ['--conf', conf, '--keyring', keyring, '--id', 'admin'];
    /** The host `rbd` CLI on this cluster, as a shell command prefix. */
    const rbdCommand = `rbd ${cliArgs.join(' ')}`;
    /** The host `rbd` CLI on this cluster; `stdout` may be a file descriptor. */
    const rbd = (args, stdout = 'pipe') => {
      const result = spawnSync('rbd', [...cliArgs, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', stdout, 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
      if (result.status !== 0) throw new Error(`rbd ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    };
    /** A shell pipeline with RBD="rbd <conf args>" in its environment. */
    const shell = (command) => {
      const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
        encoding: 'utf8',
        env: { ...process.env, RBD: rbdCommand },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
      return result.stdout;
    };
    return { id, fsid, conf, keyring, rbdCommand, rbd, shell, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
