import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CephTestCluster, startCephCluster } from '@glance-ts/testing';
import { tokenFiles } from './configs';
import { type ImageApi, recordingCaller, waitFor } from './images';
import { startApi } from './test-api';

/**
 * Stores on a test Ceph cluster beside a file store: `ceph` (pool images, the default), `thin`
 * (pool thin, thin provisioning) and `local` (file). `rados_connect_timeout` bounds every Ceph
 * operation, so a frozen cluster fails requests in seconds.
 */
export function rbdImagesConfig(
  ceph: CephTestCluster,
  options: { cephConf?: string; database?: string; extraDefault?: string } = {},
): string {
  const conf = options.cephConf ?? ceph.confPath;
  return `[DEFAULT]
enabled_backends = ceph:rbd, thin:rbd, local:file
${options.extraDefault ?? ''}

[glance_store]
default_backend = ceph

[ceph]
rbd_store_pool = images
rbd_store_user = ${ceph.user}
rbd_store_ceph_conf = ${conf}
rbd_store_chunk_size = 4
rados_connect_timeout = 10

[thin]
rbd_store_pool = thin
rbd_store_user = ${ceph.user}
rbd_store_ceph_conf = ${conf}
rbd_store_chunk_size = 1
rbd_thin_provisioning = true
rados_connect_timeout = 10

[local]
filesystem_store_datadir = data/local

[auth]
strategy = token_file
token_file = dev-tokens.yaml

[database]
connection = ${options.database ?? 'sqlite:///glance.sqlite'}
`;
}

/** Starts the API on those stores; resolves once the rbd stores have reached the cluster (when `connected`). */
export async function startRbdImageApi(
  ceph: CephTestCluster,
  options: { cephConf?: string; connected?: boolean; extraDefault?: string } = {},
): Promise<ImageApi> {
  const api = await startApi(rbdImagesConfig(ceph, options), { files: tokenFiles() });
  const imageApi: ImageApi = {
    ...api,
    ...recordingCaller(api.url),
    storeFiles: () => [],
  };
  if (options.connected ?? true) {
    try {
      await waitFor(
        async () => {
          const detail = await imageApi.call('GET', '/v2/info/stores/detail', 'admin-token');
          return detail.json.stores.every((store: { type: string; properties: { fsid?: string | null } }) =>
            store.type !== 'rbd' ? true : Boolean(store.properties.fsid),
          );
        },
        120_000,
        'rbd stores connected',
      );
    } catch (error) {
      // Never leave a listening API behind (it would keep jest alive); say what the stores logged.
      const storeLines = api.logs.filter((line) => line.includes('store ')).slice(-10);
      await api.close();
      throw new Error(`${(error as Error).message}; the stores logged:\n${storeLines.join('')}`);
    }
  }
  return imageApi;
}

export interface RbdTestbed {
  ceph: CephTestCluster;
  api: ImageApi;
  /** A scratch directory for the test's files. */
  work: string;
}

/**
 * Registers beforeAll/afterAll that start a cluster (pools images, volumes, thin), the API on it
 * (startRbdImageApi) and a scratch directory, and tear them down. Read the fields inside tests:
 * they are set once beforeAll has run.
 */
export function useRbdTestbed(workPrefix: string): RbdTestbed {
  const bed = {} as RbdTestbed;
  beforeAll(async () => {
    bed.ceph = await startCephCluster({ pools: ['images', 'volumes', 'thin'] });
    bed.api = await startRbdImageApi(bed.ceph);
    bed.work = mkdtempSync(join(tmpdir(), workPrefix));
  }, 240_000);
  afterAll(async () => {
    await bed.api?.close();
    await bed.ceph?.stop();
    if (bed.work) rmSync(bed.work, { recursive: true, force: true });
  });
  return bed;
}
