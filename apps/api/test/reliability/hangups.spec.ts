import { connect, type Socket } from 'node:net';
import { api, createImage, listImages, Service, TOKEN, until } from './support/service';
import { scaled, seededRandom } from './support/scale';

/**
 * Clients that go away: uploads and downloads cut at random points, by FIN or RST. Before, about
 * one such upload in three killed the worker serving it (an 'error' event nobody listened to), and
 * with it every request in flight there. Afterwards: no worker died, nothing answered 500, no image
 * is left `saving`, no partial file is left in the store.
 */
jest.setTimeout(300_000);

describe('client hang-ups', () => {
  let service: Service;
  beforeAll(async () => {
    service = await Service.start({ workers: 2 });
  });
  afterAll(() => service?.stop());

  /** Sends the head and part of a body, then closes (FIN) or resets (RST) the connection. */
  const cut = (request: string, bodyBytes: number, reset: boolean) =>
    new Promise<void>((resolve) => {
      const socket: Socket = connect(service.port, '127.0.0.1', () => {
        socket.write(request);
        socket.write(Buffer.alloc(bodyBytes, 7), () => {
          if (reset) socket.resetAndDestroy();
          else socket.end();
        });
      });
      socket.on('data', () => undefined);
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });

  it('survives uploads cut at random points, leaving nothing behind', async () => {
    const random = seededRandom('hangups');
    const workers = service.workerPids();
    const count = scaled(100);
    for (let i = 0; i < count; i++) {
      const id = await createImage(service, `cut-${i}`);
      const declared = 64 * 1024 * 1024;
      const sent = Math.floor(random() * 16 * 1024 * 1024);
      await cut(
        `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${declared}\r\n\r\n`,
        sent,
        random() < 0.5,
      );
    }
    // Every image goes back to queued (the server notices the hang-up), none stays saving.
    const images = await until(
      () => listImages(service),
      (list) => list.filter((image) => image.status === 'saving').length === 0,
      30_000,
      'no image left saving',
    );
    expect(images.filter((image) => image.status === 'queued')).toHaveLength(count);
    expect(service.storeFiles('local')).toEqual([]);
    expect(service.workerPids()).toEqual(workers);
    expect(service.deaths()).toEqual([]);
    expect(service.accessLines().filter((line) => line.status >= 500)).toEqual([]);
  });

  it('survives downloads cut at random points', async () => {
    const random = seededRandom('downloads');
    const workers = service.workerPids();
    const id = await createImage(service, 'to-download');
    const data = Buffer.alloc(32 * 1024 * 1024, 3);
    const put = await api(service, 'PUT', `/v2/images/${id}/file`, {
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(204);
    const count = scaled(100);
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve) => {
        let received = 0;
        const stopAt = Math.floor(random() * data.length);
        const reset = random() < 0.5;
        const socket = connect(service.port, '127.0.0.1', () => {
          socket.write(`GET /v2/images/${id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`);
        });
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= stopAt && !socket.destroyed) {
            if (reset) socket.resetAndDestroy();
            else socket.destroy();
          }
        });
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
    }
    const whole = await api(service, 'GET', `/v2/images/${id}/file`);
    expect(whole.status).toBe(200);
    expect(service.workerPids()).toEqual(workers);
    expect(service.deaths()).toEqual([]);
    expect(service.accessLines().filter((line) => line.status >= 500)).toEqual([]);
  });
});
