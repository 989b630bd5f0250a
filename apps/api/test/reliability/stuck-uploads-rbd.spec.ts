import { type CephTestCluster, startCephCluster } from '@glance-ts/testing';
import { api, createImage, Service, TOKEN, until, untilImageStatus } from './support/service';
import { connect } from 'node:net';

/**
 * The rbd store under the same fault as stuck-uploads.spec.ts: the workers are killed while an
 * upload writes into RBD image `<id>` (librbd writes in place). The replacement recovers the image
 * and removes the partial RBD image: nothing is left in the pool.
 */
jest.setTimeout(300_000);

describe('an rbd upload whose process died', () => {
  let ceph: CephTestCluster;
  let service: Service;
  beforeAll(async () => {
    ceph = await startCephCluster({ pools: ['images'] });
    service = await Service.start({
      workers: 2,
      defaults: 'stale_upload_timeout = 5',
      stores: {
        enabled: 'ceph:rbd',
        default: 'ceph',
        sections:
          `[ceph]\nrbd_store_pool = images\nrbd_store_user = ${ceph.user}\n` +
          `rbd_store_ceph_conf = ${ceph.confPath}\nrbd_store_chunk_size = 1\nrados_connect_timeout = 10\n`,
      },
    });
    // Both workers have reached the cluster (discovery shows its fsid).
    await until(
      async () => (await api(service, 'GET', '/v2/info/stores/detail')).json.stores[0].properties.fsid,
      (fsid) => typeof fsid === 'string',
      60_000,
      'rbd store connected',
    );
  }, 300_000);
  afterAll(async () => {
    await service?.stop();
    await ceph?.stop();
  });

  const rbdImages = async () => (await ceph.rbd(['ls', 'images'])).split('\n').filter(Boolean);

  it('kill -9 mid-upload leaves no RBD image, and the image takes a new upload', async () => {
    const id = await createImage(service, 'rbd-killed');
    const socket = connect(service.port, '127.0.0.1', () => {
      socket.write(
        `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${512 * 1024 * 1024}\r\n\r\n`,
      );
      const tick = setInterval(
        () => (socket.destroyed ? clearInterval(tick) : socket.write(Buffer.alloc(1024 * 1024, 3))),
        50,
      );
      socket.on('close', () => clearInterval(tick));
    });
    socket.on('error', () => undefined);
    await until(rbdImages, (images) => images.includes(id), 30_000, 'the RBD image being written');
    for (const pid of service.workerPids()) process.kill(pid, 'SIGKILL');
    socket.destroy();
    await untilImageStatus(service, id, 'queued', 60_000);
    expect(await rbdImages()).not.toContain(id);
    const retried = await api(service, 'PUT', `/v2/images/${id}/file`, {
      body: Buffer.alloc(3 * 1024 * 1024, 4),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(retried.status).toBe(204);
    expect(await rbdImages()).toContain(id);
  });
});
