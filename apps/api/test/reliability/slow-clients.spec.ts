import { connect } from 'node:net';
import { api, createImage, Service, TOKEN, until } from './support/service';

/**
 * Clients that hold on without making progress. Before: an upload trickling one byte every few
 * seconds never timed out, holding a connection and its image `saving` indefinitely. Now
 * `client_socket_timeout` (Glance's option; 3 s here, 900 s by default) ends such an upload with
 * 408 and queues the image again, and closes idle connections.
 */
jest.setTimeout(120_000);

describe('client_socket_timeout', () => {
  let service: Service;
  beforeAll(async () => {
    service = await Service.start({ workers: 2, defaults: 'client_socket_timeout = 3' });
  });
  afterAll(() => service?.stop());

  it('ends an upload that trickles a byte a second with 408 and queues the image again', async () => {
    const id = await createImage(service, 'trickle');
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect(service.port, '127.0.0.1', () => {
        socket.write(
          `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\n` +
            'Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\nAccept: application/json\r\n\r\n',
        );
        const drip = setInterval(() => socket.write('x'), 1000);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(received);
        });
      });
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', () => undefined);
    });
    const elapsed = Date.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(answer).toContain('The upload made no progress for 3 seconds (client_socket_timeout).');
    expect(elapsed).toBeLessThan(12_000);
    expect((await api(service, 'GET', `/v2/images/${id}`)).json.status).toBe('queued');
    expect(service.storeFiles('local')).toEqual([]);
  });

  it('closes a connection that sends nothing', async () => {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const socket = connect(service.port, '127.0.0.1');
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('still serves a slow but steady upload', async () => {
    const id = await createImage(service, 'steady');
    const data = Buffer.alloc(256 * 1024, 2);
    const status = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect(service.port, '127.0.0.1', () => {
        socket.write(
          `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\n` +
            `Content-Type: application/octet-stream\r\nContent-Length: ${data.length}\r\n\r\n`,
        );
        let sent = 0;
        // 32 KiB a second for 8 s: slow, but making progress.
        const feed = setInterval(() => {
          socket.write(data.subarray(sent, sent + 32 * 1024));
          sent += 32 * 1024;
          if (sent >= data.length) clearInterval(feed);
        }, 1000);
      });
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(received.split('\r\n')[0]);
        }
      });
      socket.on('error', () => undefined);
    });
    expect(status).toBe('HTTP/1.1 204 No Content');
    await until(
      async () => (await api(service, 'GET', `/v2/images/${id}`)).json.status,
      (s) => s === 'active',
      5000,
      'active',
    );
  });
});
