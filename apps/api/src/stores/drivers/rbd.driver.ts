import type { RbdStorePropertiesDto } from '@glance-ts/contracts';
import { StoreDriver } from './store-driver';

const MiB = 1024 * 1024;

export class RbdStoreDriver extends StoreDriver<'rbd'> {
  private clusterFsid: string | null = null;

  properties(): RbdStorePropertiesDto {
    return {
      chunk_size: this.config.chunkSizeMiB * MiB,
      pool: this.config.pool,
      thin_provisioning: this.config.thinProvisioning,
      // Glance HEAD reports the live cluster's fsid; null until the cluster has been reached.
      fsid: this.clusterFsid,
    };
  }

  /** Called by the cluster connection once it knows the fsid (connection handling: RBD store issue). */
  protected setClusterFsid(fsid: string): void {
    if (fsid === this.clusterFsid) return;
    this.clusterFsid = fsid;
    this.propertiesChanged();
  }
}
