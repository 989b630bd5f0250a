import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from './config';
import type { StoreConfig } from './config-types';

/**
 * The reference's six-store configuration must load to values that produce exactly the discovery
 * answer Glance 25.1 gave for it (captures/main/20-get-detail-admin.http in the shared reference).
 */
const FIXTURE = join(__dirname, 'testing', 'fixtures', 'reference-six-stores.conf');

/** The `stores` of that capture (rbd's HEAD-only `fsid` is not in a 25.1 capture). */
const CAPTURED_DETAIL = [
  {
    id: 'fast',
    description: 'Fast RBD backend',
    default: 'true',
    type: 'rbd',
    properties: { chunk_size: 8388608, pool: 'images', thin_provisioning: false },
  },
  {
    id: 'cheap',
    description: 'Cheap file backend',
    type: 'file',
    properties: { data_dir: '/var/lib/glance/images', chunk_size: 65536, thin_provisioning: false },
  },
  { id: 'web', description: 'Read-only HTTP backend', 'read-only': 'true', type: 'http', properties: {} },
  {
    id: 'cinderstore',
    description: 'Cinder volume backend',
    type: 'cinder',
    properties: { volume_type: null, use_multipath: false },
  },
  {
    id: 'objects',
    description: 'Swift object backend',
    type: 'swift',
    properties: { container: 'glance', large_object_size: 5242880000, large_object_chunk_size: 204800000 },
  },
  {
    id: 's3store',
    description: 'S3 object backend',
    type: 's3',
    properties: {
      s3_store_large_object_size: 104857600,
      s3_store_large_object_chunk_size: 10485760,
      s3_store_thread_pools: 10,
    },
  },
];

const MiB = 1024 * 1024;
/** Glance's swift "MB". */
const SWIFT_MB = 1000 * 1024;

/** Discovery properties from a store config, with the unit conversions the reference documents. */
function properties(store: StoreConfig): Record<string, unknown> {
  switch (store.type) {
    case 'rbd':
      return {
        chunk_size: store.chunkSizeMiB * MiB,
        pool: store.pool,
        thin_provisioning: store.thinProvisioning,
      };
    case 'file':
      return {
        data_dir: store.dataDir,
        chunk_size: store.chunkSize,
        thin_provisioning: store.thinProvisioning,
      };
    case 'http':
      return {};
    case 'cinder':
      return { volume_type: store.volumeType, use_multipath: store.useMultipath };
    case 'swift':
      return {
        container: store.multiTenant ? null : store.container,
        large_object_size: store.largeObjectSizeMB * SWIFT_MB,
        large_object_chunk_size: store.largeObjectChunkSizeMB * SWIFT_MB,
      };
    case 's3':
      return {
        s3_store_large_object_size: store.largeObjectSizeMiB * MiB,
        s3_store_large_object_chunk_size: store.largeObjectChunkSizeMiB * MiB,
        s3_store_thread_pools: store.threadPools,
      };
  }
}

describe('the reference six-store configuration', () => {
  const config = parseConfig(readFileSync(FIXTURE, 'utf8'), FIXTURE);

  it('loads without warnings, with fast as the default backend', () => {
    expect(config.warnings).toEqual([]);
    expect(config.multiStore).toBe(true);
    expect(config.defaultBackend).toBe('fast');
    expect(config.auth.strategy).toBe('trusted_headers');
  });

  it('produces the captured /v2/info/stores/detail entries', () => {
    const detail = config.stores.map((store) => ({
      id: store.id,
      ...(store.description !== null ? { description: store.description } : {}),
      ...(store.id === config.defaultBackend ? { default: 'true' } : {}),
      ...(store.type === 'http' ? { 'read-only': 'true' } : {}),
      type: store.type,
      properties: properties(store),
    }));
    expect(detail).toEqual(CAPTURED_DETAIL);
  });

  it('keeps the options discovery does not show', () => {
    expect(config.stores[0]).toMatchObject({ user: 'glance', cephConf: '/etc/ceph/ceph.conf', weight: 0 });
    expect(config.stores[5]).toMatchObject({
      host: 'http://127.0.0.1:9000',
      accessKey: 'access',
      secretKey: 'secret',
      bucket: 'glance',
    });
  });
});
