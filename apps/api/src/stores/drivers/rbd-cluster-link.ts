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
/**
 * A store whose cluster has not answered for this long opens a second, fresh client beside the old
 * one (and again after each failed attempt, backing off to RBD_REPLACE_CLIENT_MAX_MS): a librados
 * client whose operations were in flight while the cluster froze can keep timing out every
 * operation after the cluster is back, while a new client works at once (measured: see
 * apps/api/test/rbd-store.spec.ts, "a stopped cluster").
 */
export const RBD_REPLACE_CLIENT_AFTER_MS = 12_000;
const RBD_REPLACE_CLIENT_MAX_MS = 120_000;
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
  replaceClientAfterMs?: number;
  /**
   * Opens a client (default: RadosCluster.connect with the options above). Tests pass their own to
   * make a client that stops answering for good, which a real cluster does only now and then.
   */
  connectClient?: () => Promise<RadosCluster>;
}

type LinkState = 'connecting' | 'up' | 'down' | 'closed';

/**
 * A store's one connection to its Ceph cluster, opened in the background at start-up and kept for
 * the life of the process. Requests never connect: they take the open pool when the cluster
 * answers, or fail at once with StoreUnavailableError when it does not, so a dead cluster costs a
 * request microseconds instead of a connect timeout. A probe (one OSD round trip) runs every few
 * seconds and notices when the cluster goes away and when it comes back. librados reconnects its
 * sessions by itself, mostly: when the old client still does not answer after a while, a fresh
 * client replaces it (maybeReplaceClient), so recovery never needs a restart.
 */
export class RbdClusterLink {
  private state: LinkState = 'connecting';
  private cluster: RadosCluster | null = null;
  private ioctx: RadosPool | null = null;
  private lastError = 'not connected yet';
  private since = new Date();
  private timer: NodeJS.Timeout | null = null;
  /** The probe whose operation has not returned yet (on which client). */
  private probeInFlight: { ioctx: RadosPool } | null = null;
  private lastProbeError = '';
  private connecting: Promise<void> | null = null;
  private wakeConnectLoop: (() => void) | null = null;
  /** A fresh client being opened to replace one that stopped answering (one at a time). */
  private replacing: Promise<void> | null = null;
  private nextReplaceAt = 0;
  private replaceDelay: number;
  /** The client a request's operation timed out on (replaced as soon as a fresh one answers). */
  private suspect: RadosPool | null = null;
  /** Clients replaced and still shutting down (their calls in flight finish first). */
  private retiring = new Set<Promise<void>>();

  constructor(private readonly options: RbdClusterLinkOptions) {
    this.replaceDelay = this.replaceAfterMs;
  }

  private get replaceAfterMs(): number {
    return this.options.replaceClientAfterMs ?? RBD_REPLACE_CLIENT_AFTER_MS;
  }

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
    if (!(error instanceof CephUnavailableError) || this.state === 'closed') return;
    // A request's operation waited out its timeout on this client. The probe may still pass (it
    // touches one object: a half-wedged client answers for some placement groups and not for
    // others, measured), so the client is suspect: a fresh one is tried at once.
    this.suspect = this.ioctx;
    this.markDown(error.message);
    this.maybeReplaceClient();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wakeConnectLoop?.();
    await this.connecting;
    await this.replacing;
    await Promise.all(this.retiring);
    const cluster = this.cluster;
    this.cluster = null;
    this.ioctx = null;
    await cluster?.shutdown();
  }

  private async connectLoop(): Promise<void> {
    let delay = RETRY_MIN_MS;
    const { storeId, pool, logger } = this.options;
    while (!this.closed) {
      let cluster: RadosCluster | null = null;
      try {
        cluster = await this.connectClient();
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

  private connectClient(): Promise<RadosCluster> {
    if (this.options.connectClient) return this.options.connectClient();
    const { cephConf, user, connectTimeoutSeconds } = this.options;
    return RadosCluster.connect({
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
  }

  /**
   * Down for a while: tries a fresh client in the background. If it answers a probe, it takes the
   * old one's place (new requests use it at once) and the old one shuts down once its calls in
   * flight return. If not, the old client keeps probing and a later attempt tries again.
   */
  private maybeReplaceClient(): void {
    if (this.state === 'closed' || this.state === 'connecting' || this.replacing) return;
    if (Date.now() < this.nextReplaceAt) return;
    const suspect = this.suspect !== null && this.suspect === this.ioctx;
    const downLong = this.state === 'down' && Date.now() - this.since.getTime() >= this.replaceAfterMs;
    if (!suspect && !downLong) return;
    const { storeId, pool, logger } = this.options;
    this.replacing = (async () => {
      let cluster: RadosCluster | null = null;
      try {
        cluster = await this.connectClient();
        const ioctx = await cluster.openPool(pool);
        await this.withProbeTimeout(ioctx.statObject(PROBE_OBJECT));
        const stillWanted = this.state === 'down' || (this.suspect !== null && this.suspect === this.ioctx);
        if (this.closed || !stillWanted) {
          // The old client answered meanwhile and is not suspect (or the store closed): keep it.
          await cluster.shutdown();
          return;
        }
        const old = this.cluster;
        this.cluster = cluster;
        this.ioctx = ioctx;
        cluster = null;
        this.options.onFsid(this.cluster.fsid);
        this.replaceDelay = this.replaceAfterMs;
        this.lastProbeError = '';
        this.suspect = null;
        if (old) {
          const retired = old
            .shutdown()
            .catch((error) =>
              logger.warn(`store ${storeId}: the replaced Ceph client did not shut down cleanly: ${error}`),
            )
            .finally(() => this.retiring.delete(retired));
          this.retiring.add(retired);
        }
        this.markUp('Ceph cluster answers on a new client (the old one stopped answering)');
      } catch (error) {
        await cluster?.shutdown().catch(() => undefined);
        this.nextReplaceAt = Date.now() + this.replaceDelay;
        this.replaceDelay = Math.min(
          this.replaceDelay * 2,
          Math.max(RBD_REPLACE_CLIENT_MAX_MS, this.replaceAfterMs),
        );
        const message = error instanceof Error ? error.message : String(error);
        logger.warn(`store ${storeId}: a new Ceph client did not answer either: ${message}`);
      } finally {
        this.replacing = null;
      }
    })();
  }

  /** `operation`, or a rejection when it has not settled within the probe timeout. */
  private async withProbeTimeout<T>(operation: Promise<T>): Promise<T> {
    const timeoutMs = this.options.probeTimeoutMs ?? RBD_PROBE_TIMEOUT_MS;
    let timeout: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        operation,
        new Promise<never>((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`no answer to a probe within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timeout);
      operation.catch(() => undefined);
    }
  }

  private markUp(message: string): void {
    this.state = 'up';
    this.since = new Date();
    this.options.logger.log(`store ${this.options.storeId}: ${message}`);
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
    const downInterval = this.options.probeIntervalDownMs ?? RBD_PROBE_INTERVAL_DOWN_MS;
    // A probe stuck on a frozen cluster keeps its pool thread until the op timeout; never stack more
    // on the same client.
    if (this.probeInFlight?.ioctx === ioctx) {
      this.markDown('the cluster did not answer a probe');
      this.maybeReplaceClient();
      this.scheduleProbe(downInterval);
      return;
    }
    const inFlight = { ioctx };
    this.probeInFlight = inFlight;
    const stat = ioctx.statObject(PROBE_OBJECT);
    // The operation's own outcome (it may come after the probe gave up on it) says why, for the log.
    stat
      .catch((error) => this.noteProbeError(error))
      .finally(() => {
        if (this.probeInFlight === inFlight) this.probeInFlight = null;
      });
    try {
      await this.withProbeTimeout(stat);
      // A replaced client's late answer changes nothing: its replacement is up and probing.
      if (ioctx !== this.ioctx || this.closed) return;
      this.lastProbeError = '';
      if (this.state === 'down') this.markUp('Ceph cluster answers again');
      else this.scheduleProbe(this.options.probeIntervalMs ?? RBD_PROBE_INTERVAL_MS);
    } catch (error) {
      if (ioctx !== this.ioctx || this.closed) return;
      this.markDown(error instanceof Error ? error.message : String(error));
      this.maybeReplaceClient();
      this.scheduleProbe(downInterval);
    }
  }

  /**
   * While down, says why the cluster still does not answer (the operation's own error, which may
   * come after the probe stopped waiting for it), once per distinct reason.
   */
  private noteProbeError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.state === 'down' && message !== this.lastProbeError) {
      this.options.logger.warn(`store ${this.options.storeId}: still no answer from Ceph: ${message}`);
    }
    this.lastProbeError = message;
  }
}
