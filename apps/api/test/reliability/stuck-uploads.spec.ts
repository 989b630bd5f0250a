import { connect, type Socket } from 'node:net';
import { api, createImage, imageStatus, Service, TOKEN, until, untilImageStatus } from './support/service';

/**
 * Uploads whose process dies: before, the image stayed `saving` for ever (42 such images after one
 * round of fault tests), a retry was 409 and only DELETE helped. Now the upload's lease names its
 * process; a replacement worker or the restarted server finds the owner gone and puts the image
 * back to `queued`, its partial data removed, and the upload can be tried again.
 */
jest.setTimeout(180_000);

/** An upload that keeps sending slowly until the test ends it. */
function slowUpload(service: Service, id: string): { socket: Socket; started: Promise<void>; pause(): void } {
  let paused = false;
  let resolveStarted!: () => void;
  const started = new Promise<void>((resolve) => (resolveStarted = resolve));
  const socket = connect(service.port, '127.0.0.1', () => {
    socket.write(
      `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${1024 * 1024 * 1024}\r\n\r\n`,
    );
    const tick = setInterval(() => {
      if (socket.destroyed) return clearInterval(tick);
      if (paused) return;
      socket.write(Buffer.alloc(256 * 1024, 5));
      resolveStarted();
    }, 50);
    socket.on('close', () => clearInterval(tick));
  });
  socket.on('error', () => undefined);
  return { socket, started, pause: () => (paused = true) };
}

describe('uploads whose process died', () => {
  let service: Service;
  beforeAll(async () => {
    service = await Service.start({ workers: 2, defaults: 'stale_upload_timeout = 5' });
  });
  afterAll(() => service?.stop());

  /** Waits until the image is saving with part of its data in the store's temporary file. */
  const savingWithData = async (id: string) => {
    await untilImageStatus(service, id, 'saving', 10_000);
    await until(
      () => service.storeFiles('local'),
      (files) => files.some((name) => name.startsWith(`.${id}.`)),
      10_000,
      'a temporary file',
    );
  };

  it('kill -9 of the workers mid-upload: the image is queued again and takes a new upload', async () => {
    const id = await createImage(service, 'worker-killed');
    const upload = slowUpload(service, id);
    await upload.started;
    await savingWithData(id);
    for (const pid of service.workerPids()) process.kill(pid, 'SIGKILL');
    upload.socket.destroy();
    // The replacements sweep as they start: the owner's pid is gone on this host.
    await untilImageStatus(service, id, 'queued', 30_000);
    expect(service.storeFiles('local')).toEqual([]);
    expect(service.log).toMatch(new RegExp(`image ${id}: upload abandoned \\(its process .* is gone\\)`));
    const data = Buffer.alloc(100_000, 9);
    const retried = await api(service, 'PUT', `/v2/images/${id}/file`, {
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(retried.status).toBe(204);
    expect(await imageStatus(service, id)).toBe('active');
  });

  it('kill -9 of the whole server mid-upload, then a restart: the same', async () => {
    const id = await createImage(service, 'server-killed');
    const upload = slowUpload(service, id);
    await upload.started;
    await savingWithData(id);
    service.killAll();
    upload.socket.destroy();
    await service.restart();
    await untilImageStatus(service, id, 'queued', 30_000);
    // No temporary file is left (the first test's image is the only data there).
    expect(service.storeFiles('local').filter((name) => name.startsWith('.'))).toEqual([]);
    const retried = await api(service, 'PUT', `/v2/images/${id}/file`, {
      body: Buffer.alloc(1000, 1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(retried.status).toBe(204);
  });

  it('SIGTERM with a stalled upload stops within the grace period, and the image is queued again', async () => {
    const id = await createImage(service, 'stalled');
    const upload = slowUpload(service, id);
    await upload.started;
    await savingWithData(id);
    upload.pause();
    const started = Date.now();
    await service.stop({ keepDir: true });
    // 10 s of grace for requests in flight, then their connections are closed (Service.stop would
    // have used SIGKILL after 15 s).
    expect(Date.now() - started).toBeLessThan(14_000);
    expect(service.log).not.toMatch(/uncaught exception/);
    upload.socket.destroy();
    await service.restart();
    await untilImageStatus(service, id, 'queued', 30_000);
  });
});
