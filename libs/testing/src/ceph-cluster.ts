import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContainerRuntimeClient,
  GenericContainer,
  getContainerRuntimeClient,
  ImageName,
  type StartedTestContainer,
  Wait,
} from 'testcontainers';
import { oneLine } from './messages';

/** The image tools/ceph/build.sh tags; GLANCE_TEST_CEPH_IMAGE overrides it. */
export const CEPH_TEST_IMAGE = 'glance-ts/ceph:test';
/** Label on every Ceph test container (besides testcontainers' own org.testcontainers=true). */
export const CEPH_TEST_LABEL = 'glance-ts.ceph';

const DOCKER_HINT =
  'Ceph e2e tests need a Docker engine: run tools/ci/docker.sh (as root) then tools/ceph/build.sh';
const READY_LINE = /CEPH READY fsid=([0-9a-f-]{36}) mon=(\S+)/;
const MON_V2_PORT = 3300;
const MON_V1_PORT = 6789;

export interface CephTestClusterOptions {
  /** Pools created with `rbd pool init` (application rbd). Default: images, volumes. */
  pools?: string[];
  /** OSD object store: memstore keeps data in RAM (default); bluestore uses a sparse file in the container. */
  osd?: 'memstore' | 'bluestore';
  /** OSD capacity in GiB (memstore_device_bytes / bluestore_block_size). Default 1 (memstore) or 10 (bluestore). */
  osdSizeGiB?: number;
  /** Also start a ceph-mgr (pool statistics in `ceph -s`, `ceph osd purge`); costs ~310 MiB. Default false. */
  mgr?: boolean;
  /** How long to wait for the cluster to be ready. Default 120 000 ms. */
  startupTimeoutMs?: number;
}

export interface CephCliOptions {
  /** Kill the CLI after this long (it rejects). Default: none (the conf's client timeouts apply). */
  timeoutMs?: number;
}

/** How long after `resume()` the monitor answered and OSD I/O worked again, in ms. */
export interface CephResumeTimings {
  monitorMs: number;
  osdIoMs: number;
  /** Whether a placement group stayed stuck and the OSD was marked down to re-peer (see resume). */
  repeered: boolean;
}

/** A running single-host Ceph cluster (1 mon, 1 OSD) in a Docker container. */
export interface CephTestCluster {
  readonly fsid: string;
  /** "ip:port" of the mon (msgr2) on the container's bridge IP, reachable from the host. */
  readonly monAddress: string;
  /**
   * ceph.conf on the host (temporary directory): mon_host, keyring and client timeouts of 30 s
   * (client_mount_timeout, rados_mon_op_timeout, rados_osd_op_timeout), so that a dead cluster
   * fails a client in seconds instead of 300 s. Usable with librados' rados_conf_read_file.
   */
  readonly confPath: string;
  /** client.admin keyring on the host. */
  readonly keyringPath: string;
  /** The Ceph user id (without "client."): 'admin'. */
  readonly user: string;
  readonly pools: readonly string[];
  /** Runs the host `rbd` CLI with --conf/--keyring/--id; resolves stdout, rejects with stderr. */
  rbd(args: string[], options?: CephCliOptions): Promise<string>;
  /** Same for the host `ceph` CLI. */
  ceph(args: string[], options?: CephCliOptions): Promise<string>;
  /** `docker pause`: every daemon freezes, clients hang until their timeouts (a dead cluster). */
  pause(): Promise<void>;
  /**
   * `docker unpause`; resolves when the cluster serves I/O again (its monitor answers, its OSD is
   * up and a pool can be read), with how long each took.
   */
  resume(timeoutMs?: number): Promise<CephResumeTimings>;
  /** Removes the container and the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

async function dockerClient(): Promise<ContainerRuntimeClient> {
  // No registry is reachable: the Ryuk reaper image cannot be pulled. Defaults only, so a caller
  // (or CI) can still set them; containers are removed by stop() and by CI's exit trap.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  try {
    return await getContainerRuntimeClient();
  } catch (error) {
    throw new Error(`${DOCKER_HINT} (${oneLine(error)})`);
  }
}

function runCli(command: string, args: string[], timeoutMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs ?? 0, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const reason = stderr.trim() || (error.killed ? `killed after ${timeoutMs} ms` : error.message);
        reject(new Error(`${command} ${args.join(' ')} failed: ${reason}`));
      },
    );
  });
}

async function removeQuietly(client: ContainerRuntimeClient, id: string): Promise<void> {
  try {
    // Forced: the cluster is throw-away, and a stopped-then-removed cluster only costs time.
    await client.container.getById(id).remove({ force: true, v: true });
  } catch {
    // already gone
  }
}

/**
 * Starts a fresh single-host Ceph cluster (new fsid) from the glance-ts/ceph:test image built by
 * tools/ceph/build.sh, and writes a host-side ceph.conf and keyring for it. Rejects (never skips)
 * when there is no Docker engine or no image, with one line saying what to run. Several clusters
 * can run at once; each must be stopped with stop().
 */
export async function startCephCluster(options: CephTestClusterOptions = {}): Promise<CephTestCluster> {
  const pools = options.pools ?? ['images', 'volumes'];
  for (const pool of pools) {
    if (!/^[A-Za-z0-9_.-]+$/.test(pool)) throw new Error(`invalid pool name: ${JSON.stringify(pool)}`);
  }
  const osd = options.osd ?? 'memstore';
  const startupTimeoutMs = options.startupTimeoutMs ?? 120_000;
  const image = process.env.GLANCE_TEST_CEPH_IMAGE || CEPH_TEST_IMAGE;

  const client = await dockerClient();
  let exists: boolean;
  try {
    exists = await client.image.exists(ImageName.fromString(image));
  } catch (error) {
    throw new Error(`${DOCKER_HINT} (${oneLine(error)})`);
  }
  if (!exists) throw new Error(`Ceph test image ${image} not found: run tools/ceph/build.sh`);

  const environment: Record<string, string> = {
    CEPH_POOLS: pools.join(' '),
    CEPH_OSD: osd,
    CEPH_MGR: options.mgr ? '1' : '0',
  };
  if (options.osdSizeGiB !== undefined) environment.CEPH_OSD_SIZE_GIB = String(options.osdSizeGiB);

  // The container's last output lines, for the error when it never becomes ready (testcontainers
  // removes such a container itself).
  const output: string[] = [];
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(image)
      .withEnvironment(environment)
      .withLabels({ [CEPH_TEST_LABEL]: 'true' })
      .withLogConsumer((stream) => {
        stream.on('data', (chunk: Buffer | string) => {
          output.push(
            ...chunk
              .toString()
              .split('\n')
              .filter((line) => line.trim() !== ''),
          );
          output.splice(0, Math.max(0, output.length - 15));
        });
        stream.on('error', () => undefined);
      })
      .withWaitStrategy(Wait.forLogMessage(READY_LINE))
      .withStartupTimeout(startupTimeoutMs)
      .start();
  } catch (error) {
    const tail = output.length > 0 ? `\n${output.join('\n')}` : '';
    throw new Error(`Ceph test cluster did not start: ${oneLine(error)}${tail}`);
  }

  const containerId = container.getId();
  let dir: string | undefined;
  try {
    const ready = await container.exec(['cat', '/etc/ceph/ready']);
    const match = READY_LINE.exec(ready.output);
    if (ready.exitCode !== 0 || !match)
      throw new Error(`no ready file in the container: ${ready.output.trim()}`);
    const fsid = match[1];
    const ip = container.getIpAddress(container.getNetworkNames()[0]);
    const keyring = await container.exec(['cat', '/etc/ceph/ceph.client.admin.keyring']);
    if (keyring.exitCode !== 0) throw new Error(`cannot read the admin keyring: ${keyring.output.trim()}`);

    dir = await mkdtemp(join(tmpdir(), 'glance-ts-ceph-'));
    const confPath = join(dir, 'ceph.conf');
    const keyringPath = join(dir, 'ceph.client.admin.keyring');
    await writeFile(keyringPath, keyring.stdout, { mode: 0o600 });
    await writeFile(
      confPath,
      [
        '[global]',
        `fsid = ${fsid}`,
        `mon_host = [v2:${ip}:${MON_V2_PORT},v1:${ip}:${MON_V1_PORT}]`,
        `keyring = ${keyringPath}`,
        'client_mount_timeout = 30',
        'rados_mon_op_timeout = 30',
        'rados_osd_op_timeout = 30',
        'admin_socket =',
        'log_file =',
        '',
      ].join('\n'),
    );
    return new RunningCephCluster(
      client,
      containerId,
      dir,
      fsid,
      `${ip}:${MON_V2_PORT}`,
      confPath,
      keyringPath,
      pools,
    );
  } catch (error) {
    await removeQuietly(client, containerId);
    if (dir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

class RunningCephCluster implements CephTestCluster {
  readonly user = 'admin';
  private stopped?: Promise<void>;

  constructor(
    private readonly client: ContainerRuntimeClient,
    private readonly containerId: string,
    private readonly dir: string,
    readonly fsid: string,
    readonly monAddress: string,
    readonly confPath: string,
    readonly keyringPath: string,
    readonly pools: readonly string[],
  ) {}

  private cliArgs(args: string[]): string[] {
    return ['--conf', this.confPath, '--keyring', this.keyringPath, '--id', this.user, ...args];
  }

  rbd(args: string[], options: CephCliOptions = {}): Promise<string> {
    return runCli('rbd', this.cliArgs(args), options.timeoutMs);
  }

  ceph(args: string[], options: CephCliOptions = {}): Promise<string> {
    return runCli('ceph', this.cliArgs(args), options.timeoutMs);
  }

  async pause(): Promise<void> {
    await this.client.container.getById(this.containerId).pause();
  }

  async resume(timeoutMs = 180_000): Promise<CephResumeTimings> {
    const started = Date.now();
    await this.client.container.getById(this.containerId).unpause();
    const deadline = started + timeoutMs;
    const until = async (what: string, probe: () => Promise<boolean>): Promise<number> => {
      let last = '';
      for (;;) {
        try {
          if (await probe()) return Date.now() - started;
          last = 'not yet';
        } catch (error) {
          last = oneLine(error);
        }
        if (Date.now() > deadline) {
          throw new Error(
            `Ceph test cluster: ${what} not back ${timeoutMs} ms after resume (last: ${last})\n${await this.diagnostics()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    // The monitor answers first (0.6-1.6 s measured), the OSD's first I/O later (1.2-3.3 s):
    // clients wait for the OSD, not for the monitor.
    const monitor = await until('the monitor', async () => {
      await this.ceph(['--connect-timeout', '5', 'fsid'], { timeoutMs: 10_000 });
      return true;
    });
    // Then the OSD must be up and serve every placement group of every pool (`rados ls` visits
    // each group). Measured (Ceph 16.2.15, this one-OSD cluster, under CPU load): in about one
    // resume in five, one placement group keeps its operations "delayed" for minutes (the OSD logs
    // "slow ops ... 'delayed'") while the OSD is up and the other groups serve. Marking the OSD down
    // makes it re-assert itself and re-peer every group, as an operator would: done once, after
    // 20 s, and reported (`repeered`).
    let repeered = false;
    const osd = await until('OSD I/O on every placement group', async () => {
      try {
        const stat = JSON.parse(
          await this.ceph(['--connect-timeout', '5', 'osd', 'stat', '-f', 'json'], { timeoutMs: 10_000 }),
        );
        if ((stat.num_up_osds ?? stat.osdmap?.num_up_osds) !== 1) return false;
        await this.rbd(['ls', this.pools[0] ?? 'images'], { timeoutMs: 10_000 });
        for (const pool of this.pools) {
          await runCli('rados', this.cliArgs(['--pool', pool, 'ls']), 10_000);
        }
        return true;
      } catch (error) {
        if (!repeered && Date.now() - started > 20_000) {
          repeered = true;
          await this.ceph(['--connect-timeout', '5', 'osd', 'down', '0'], { timeoutMs: 10_000 });
        }
        throw error;
      }
    });
    return { monitorMs: monitor, osdIoMs: osd, repeered };
  }

  /** What the cluster says about itself, for failure messages: its status and the OSD's last log lines. */
  private async diagnostics(): Promise<string> {
    const attempt = async (what: string, run: () => Promise<string>) => {
      try {
        return `--- ${what}\n${(await run()).trimEnd()}`;
      } catch (error) {
        return `--- ${what}: ${oneLine(error)}`;
      }
    };
    const inContainer = (command: string) => () =>
      runCli('docker', ['exec', this.containerId, 'sh', '-c', command], 15_000);
    return [
      await attempt('ceph -s (in the container)', inContainer('ceph -s --connect-timeout 10')),
      await attempt(
        'ceph osd dump (in the container)',
        inContainer('ceph osd dump --connect-timeout 10 | grep ^osd'),
      ),
      await attempt('tail of ceph-osd.0.log', inContainer('tail -n 40 /var/log/ceph/ceph-osd.0.log')),
      await attempt(
        'tail of ceph-mon.a.log',
        inContainer('grep -i "osd" /var/log/ceph/ceph-mon.a.log | tail -n 20'),
      ),
    ].join('\n');
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const container = this.client.container.getById(this.containerId);
      // A paused container cannot take SIGTERM; removal is forced anyway (the cluster is throw-away).
      await container.unpause().catch(() => undefined);
      await removeQuietly(this.client, this.containerId);
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.stopped;
  }
}
