import { CephUnavailableError, RadosCluster, type RadosPool } from '@glance-ts/ceph';
import { StoreUnavailableError } from './store-data';

/** How often a connected store checks that its cluster still answers. */
export const RBD_PROBE_INTERVAL_MS = 5_000;
/** How often a store whose cluster stopped answering checks again. */
export const RBD_PROBE_INTERVAL_DOWN_MS = 1_000;
/** A probe without an answer after this long marks the cluster unreachable. */
export const RBD_PROBE_TIMEOUT_MS = 3_000;
/**
 * Monitor and OSD operation timeout when `rados_connect_timeout` is not set: librados's own default
 * is to wait forever for an OSD, which would hold a request (and a pool thread) without end.
 */
export const RBD_DEFAULT_OP_TIMEOUT_SECONDS = 30;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 10_000;
/** The object the probe stats; it never exists, so a probe is one OSD round trip answering ENOENT. */
const PROBE_OBJECT = 'glance-ts.probe';

export interface RbdClusterLinkOptions {
  storeId: string;
  cephConf: string | null;
  user: string | null;
  pool: string;
  connectTimeoutSeconds: number | null;
  logger: { log(message: string): void; warn(message: string): void };
  /** Told once the cluster's fsid is known (and again if it ever changes). */
  onFsid(fsid: string): void;
  probeIntervalMs?: number;
  probeIntervalDownMs?: number;
  probeTimeoutMs?: number;
}

type LinkState = 'connecting' | 'up' | 'down' | 'closed';

/**
 * A store's one connection to its Ceph cluster, opened in the background at start-up and kept for
 * the life of the process. Requests never connect: they take the open pool when the cluster
 * answers, or fail at once with StoreUnavailableError when it does not, so a dead cluster costs a
 * request microseconds instead of a connect timeout. A probe (one OSD round trip) runs every few
 * seconds and notices when the cluster goes away and when it comes back; librados reconnects its
 * sessions by itself, so recovery needs no restart.
 */
export class RbdClusterLink {
  private state: LinkState = 'connecting';
  private cluster: RadosCluster | null = null;
  private ioctx: RadosPool | null = null;
  private lastError = 'not connected yet';
  private since = new Date();
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private lastProbeError = '';
  private connecting: Promise<void> | null = null;
  private wakeConnectLoop: (() => void) | null = null;

  constructor(private readonly options: RbdClusterLinkOptions) {}

  /** Starts connecting in the background; never waits for the cluster. */
  start(): void {
    this.connecting = this.connectLoop();
  }

  /** The store's pool when the cluster answers; StoreUnavailableError otherwise. */
  pool(): RadosPool {
    if (this.state === 'up' && this.ioctx) return this.ioctx;
    const { storeId, pool } = this.options;
    if (this.state === 'closed') throw new StoreUnavailableError(`Store ${storeId} is shut down`, storeId);
    const what =
      this.state === 'connecting'
        ? `has not reached its Ceph cluster yet (pool ${pool}): ${this.lastError}`
        : `cannot reach its Ceph cluster since ${this.since.toISOString()} (pool ${pool}): ${this.lastError}`;
    throw new StoreUnavailableError(`Store ${storeId} ${what}`, storeId);
  }

  /** A getter, so that TypeScript does not narrow the state across awaits. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  /** An operation failed because the cluster did not answer: stop sending requests until a probe passes. */
  reportFailure(error: unknown): void {
    if (error instanceof CephUnavailableError && this.state === 'up') this.markDown(error.message);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeConnectLoop?.();
    await this.connecting;
    const cluster = this.cluster;
    this.cluster = null;
    this.ioctx = null;
    await cluster?.shutdown();
  }

  private async connectLoop(): Promise<void> {
    let delay = RETRY_MIN_MS;
    const { storeId, cephConf, user, pool, connectTimeoutSeconds, logger } = this.options;
    while (!this.closed) {
      let cluster: RadosCluster | null = null;
      try {
        cluster = await RadosCluster.connect({
          cephConf,
          user,
          timeoutSeconds: connectTimeoutSeconds,
          options: connectTimeoutSeconds
            ? {}
            : {
                rados_mon_op_timeout: String(RBD_DEFAULT_OP_TIMEOUT_SECONDS),
                rados_osd_op_timeout: String(RBD_DEFAULT_OP_TIMEOUT_SECONDS),
              },
        });
        const ioctx = await cluster.openPool(pool);
        if (this.closed) {
          await cluster.shutdown();
          return;
        }
        this.cluster = cluster;
        this.ioctx = ioctx;
        this.options.onFsid(cluster.fsid);
        this.markUp(`connected to Ceph cluster ${cluster.fsid} as client.${cluster.user}, pool ${pool}`);
        return;
      } catch (error) {
        await cluster?.shutdown();
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastError) {
          logger.warn(`store ${storeId}: cannot connect to Ceph (retrying): ${message}`);
        }
        this.lastError = message;
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          this.wakeConnectLoop = resolve;
          this.timer = setTimeout(resolve, delay);
          this.timer.unref();
        });
        this.wakeConnectLoop = null;
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private markUp(message: string): void {
    const wasDown = this.state === 'down';
    this.state = 'up';
    this.since = new Date();
    this.options.logger.log(
      `store ${this.options.storeId}: ${wasDown ? 'Ceph cluster answers again' : message}`,
    );
    this.scheduleProbe(this.options.probeIntervalMs ?? RBD_PROBE_INTERVAL_MS);
  }

  private markDown(reason: string): void {
    if (this.state !== 'up') return;
    this.state = 'down';
    this.since = new Date();
    this.lastError = reason;
    this.options.logger.warn(
      `store ${this.options.storeId}: Ceph cluster unreachable, failing requests until it answers: ${reason}`,
    );
    this.scheduleProbe(this.options.probeIntervalDownMs ?? RBD_PROBE_INTERVAL_DOWN_MS);
  }

  private scheduleProbe(delay: number): void {
    if (this.state === 'closed') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), delay);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    const ioctx = this.ioctx;
    if (!ioctx || this.state === 'closed') return;
    // A probe stuck on a frozen cluster keeps its pool thread until the op timeout; never stack more.
    if (this.probing) {
      this.markDown('the cluster did not answer a probe');
      this.scheduleProbe(this.options.probeIntervalDownMs ?? RBD_PROBE_INTERVAL_DOWN_MS);
      return;
    }
    this.probing = true;
    const timeoutMs = this.options.probeTimeoutMs ?? RBD_PROBE_TIMEOUT_MS;
    let timeout: NodeJS.Timeout | undefined;
    const probe = ioctx.statObject(PROBE_OBJECT).finally(() => (this.probing = false));
    // The operation's own outcome (it may come after the probe stopped waiting for it) says why
    // the cluster does not answer: logged once per distinct reason while down, not once per probe.
    probe.catch((error) => this.noteProbeError(error));
    try {
      await Promise.race([
        probe,
        new Promise((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`no answer to a probe within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      this.lastProbeError = '';
      if (this.state === 'down') this.markUp('Ceph cluster answers again');
      else this.scheduleProbe(this.options.probeIntervalMs ?? RBD_PROBE_INTERVAL_MS);
    } catch (error) {
      if (this.closed) return;
      this.markDown(error instanceof Error ? error.message : String(error));
      this.scheduleProbe(this.options.probeIntervalDownMs ?? RBD_PROBE_INTERVAL_DOWN_MS);
    } finally {
      clearTimeout(timeout);
    }
  }

  private noteProbeError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.state === 'down' && message !== this.lastProbeError) {
      this.options.logger.warn(`store ${this.options.storeId}: still no answer from Ceph: ${message}`);
    }
    this.lastProbeError = message;
  }
}
