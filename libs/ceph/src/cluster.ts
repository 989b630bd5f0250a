import { callAsync, cephNative } from './native';
import { cephError } from './errors';
import { RadosPool } from './pool';
import { ResourceGuard } from './resource-guard';

export interface RadosConnectOptions {
  /** ceph.conf path; null/undefined: librados's own search ($CEPH_CONF, /etc/ceph/ceph.conf, …). */
  cephConf?: string | null;
  /** cephx user without the `client.` prefix (`glance`); null/undefined: `admin`. */
  user?: string | null;
  /** Keyring path when it is not the one ceph.conf names. */
  keyring?: string | null;
  /**
   * Seconds librados waits for the monitors when connecting (`client_mount_timeout`) and for any
   * monitor or OSD operation (`rados_mon_op_timeout`, `rados_osd_op_timeout`). Without it librados
   * waits 300 s to connect and forever for an OSD, which is never right for a service.
   */
  timeoutSeconds?: number | null;
  /** More `rados_conf_set` options, applied after the config file. */
  options?: Record<string, string>;
}

/**
 * One connection to a Ceph cluster (a `rados_t`). Open pools with `openPool`; `shutdown` closes them
 * and the connection. Every call that may wait on the network runs off the event loop.
 */
export class RadosCluster {
  private readonly guard = new ResourceGuard('Ceph cluster connection');
  private readonly pools = new Set<RadosPool>();

  private constructor(
    private readonly handle: unknown,
    /** The cluster's fsid, read once at connect (it cannot change for a connection). */
    readonly fsid: string,
    readonly user: string,
  ) {}

  static async connect(options: RadosConnectOptions = {}): Promise<RadosCluster> {
    const native = cephNative();
    const user = options.user || 'admin';
    const out: unknown[] = [null];
    let rc = native.rados_create2(out, 'ceph', `client.${user}`, 0);
    if (rc < 0) throw cephError(`rados_create2(client.${user})`, rc);
    const handle = out[0];
    try {
      rc = await callAsync(native.rados_conf_read_file, handle, options.cephConf ?? null);
      if (rc < 0) throw cephError(`rados_conf_read_file(${options.cephConf ?? 'default search path'})`, rc);
      const settings: Record<string, string> = {};
      if (options.keyring) settings.keyring = options.keyring;
      if (options.timeoutSeconds && options.timeoutSeconds > 0) {
        const seconds = String(options.timeoutSeconds);
        settings.client_mount_timeout = seconds;
        settings.rados_mon_op_timeout = seconds;
        settings.rados_osd_op_timeout = seconds;
      }
      Object.assign(settings, options.options);
      for (const [option, value] of Object.entries(settings)) {
        rc = native.rados_conf_set(handle, option, value);
        if (rc < 0) throw cephError(`rados_conf_set(${option})`, rc);
      }
      rc = await callAsync(native.rados_connect, handle);
      if (rc < 0) throw cephError(`rados_connect(client.${user})`, rc);
      const fsidBuffer = Buffer.alloc(64);
      rc = native.rados_cluster_fsid(handle, fsidBuffer, fsidBuffer.length);
      if (rc < 0) throw cephError('rados_cluster_fsid', rc);
      return new RadosCluster(handle, fsidBuffer.toString('utf8', 0, rc).replace(/\0.*$/s, ''), user);
    } catch (error) {
      // rados_shutdown is required even after a failed connect: it frees the handle and its threads.
      await callAsync(native.rados_shutdown, handle);
      throw error;
    }
  }

  /** Opens an I/O context on `pool`. CephNotFoundError when the pool does not exist. */
  async openPool(name: string): Promise<RadosPool> {
    return this.guard.run(async () => {
      const native = cephNative();
      const out: unknown[] = [null];
      const rc = await callAsync(native.rados_ioctx_create, this.handle, name, out);
      if (rc < 0) throw cephError(`rados_ioctx_create(${name})`, rc);
      const pool = new RadosPool(out[0], name, this, () => this.pools.delete(pool));
      this.pools.add(pool);
      return pool;
    });
  }

  /** Runs `fn` with `pool` open and closes it afterwards, also when `fn` throws. */
  async withPool<T>(name: string, fn: (pool: RadosPool) => Promise<T>): Promise<T> {
    const pool = await this.openPool(name);
    try {
      return await fn(pool);
    } finally {
      await pool.close();
    }
  }

  get closed(): boolean {
    return this.guard.closed;
  }

  /** Closes every pool (and their images) still open, then the connection. Idempotent. */
  async shutdown(): Promise<void> {
    await this.guard.close(async () => {
      await Promise.all([...this.pools].map((pool) => pool.close()));
      await callAsync(cephNative().rados_shutdown, this.handle);
    });
  }
}
