import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { HttpStoreDriver } from './http.driver';
import {
  StoreBadLocationError,
  StoreNotFoundError,
  StoreReadOnlyError,
  StoreUnavailableError,
} from './store-data';

const IMAGE = randomBytes(256 * 1024 + 3);

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A real HTTP server whose routes the tests define; every request is recorded. */
class TestServer {
  readonly requests: Array<{ method: string; url: string; range: string | undefined }> = [];
  private readonly routes = new Map<string, Handler>();
  private server!: Server;
  base = '';

  async start(host = '127.0.0.1'): Promise<void> {
    this.server = createServer((request, response) => {
      this.requests.push({ method: request.method!, url: request.url!, range: request.headers.range });
      const handler = this.routes.get(request.url!);
      if (handler) handler(request, response);
      else response.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.base = `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  route(path: string, handler: Handler): string {
    this.routes.set(path, handler);
    return this.base + path;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Serves `data` honouring single byte ranges, as a static file server does. */
function rangeServing(
  data: Buffer,
  options: { ignoreRange?: boolean; unknownTotal?: boolean } = {},
): Handler {
  return (request, response) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    if (!range || options.ignoreRange) {
      response.writeHead(200, { 'content-length': data.length });
      response.end(request.method === 'HEAD' ? undefined : data);
      return;
    }
    const start = Number(range[1]);
    if (start >= data.length) {
      response.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    const end = range[2] === '' ? data.length - 1 : Math.min(Number(range[2]), data.length - 1);
    const total = options.unknownTotal ? '*' : String(data.length);
    response.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${total}`,
      'content-length': end - start + 1,
    });
    response.end(data.subarray(start, end + 1));
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const server = new TestServer();
let driver: HttpStoreDriver;

beforeAll(() => server.start());
afterAll(() => server.stop());

beforeEach(() => {
  server.requests.length = 0;
  // The test servers listen on loopback, which the store refuses unless allowed.
  driver = new HttpStoreDriver(
    { id: 'web', type: 'http', description: null, weight: 0, section: 'web' },
    { timeoutMs: 2000, allowedNetworks: ['127.0.0.1'] },
  );
});

afterEach(() => driver.close());

describe('HttpStoreDriver', () => {
  it('owns http and https URLs', () => {
    expect(driver.owns('http://example.com/a.img')).toBe(true);
    expect(driver.owns('HTTPS://example.com/a.img')).toBe(true);
    expect(driver.owns('file:///var/lib/glance/images/a')).toBe(false);
    expect(driver.owns('rbd://fsid/images/a/snap')).toBe(false);
  });

  it('reads a whole image, its size from Content-Length', async () => {
    const url = server.route('/whole.img', rangeServing(IMAGE));
    const read = await driver.get(url);
    expect(read.size).toBe(IMAGE.length);
    expect((await readAll(read.stream)).equals(IMAGE)).toBe(true);
    expect(server.requests).toEqual([{ method: 'GET', url: '/whole.img', range: undefined }]);
  });

  it.each([
    ['the first byte', 0, 1],
    ['the last byte', IMAGE.length - 1, 1],
    ['the middle', 1000, 50_000],
    ['to the end', 200_000, undefined],
  ])('asks for a Range and reads %s', async (_name, offset, length) => {
    const url = server.route('/ranged.img', rangeServing(IMAGE));
    const read = await driver.get(url, { offset, length });
    const end = length === undefined ? IMAGE.length : offset + length;
    expect(read.size).toBe(IMAGE.length);
    expect((await readAll(read.stream)).equals(IMAGE.subarray(offset, end))).toBe(true);
    const expectedRange = `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    expect(server.requests).toEqual([{ method: 'GET', url: '/ranged.img', range: expectedRange }]);
  });

  it('cuts the range itself from a server that ignores Range', async () => {
    const url = server.route('/norange.img', rangeServing(IMAGE, { ignoreRange: true }));
    const read = await driver.get(url, { offset: 70_000, length: 100_001 });
    expect(read.size).toBe(IMAGE.length);
    expect((await readAll(read.stream)).equals(IMAGE.subarray(70_000, 170_001))).toBe(true);
  });

  it('asks HEAD for the size when Content-Range does not give it', async () => {
    const url = server.route('/unknown-total.img', rangeServing(IMAGE, { unknownTotal: true }));
    const read = await driver.get(url, { offset: 10, length: 10 });
    expect(read.size).toBe(IMAGE.length);
    expect((await readAll(read.stream)).equals(IMAGE.subarray(10, 20))).toBe(true);
    expect(server.requests.map((request) => request.method)).toEqual(['GET', 'HEAD']);
  });

  it('gives an empty stream and the size for a range after the end (416)', async () => {
    const url = server.route('/short.img', rangeServing(IMAGE));
    const read = await driver.get(url, { offset: IMAGE.length + 5 });
    expect(read.size).toBe(IMAGE.length);
    expect((await readAll(read.stream)).length).toBe(0);
  });

  it('follows up to 5 redirects, relative ones included', async () => {
    const target = server.route('/final.img', rangeServing(IMAGE));
    for (let hop = 1; hop <= 5; hop += 1) {
      const next = hop === 5 ? target : `/hop${hop + 1}`;
      server.route(`/hop${hop}`, (_request, response) => {
        response.writeHead(hop % 2 ? 302 : 301, { location: next }).end();
      });
    }
    const read = await driver.get(`${server.base}/hop1`, { offset: 5, length: 5 });
    expect((await readAll(read.stream)).equals(IMAGE.subarray(5, 10))).toBe(true);
    expect(server.requests.map((request) => request.url)).toEqual([
      '/hop1',
      '/hop2',
      '/hop3',
      '/hop4',
      '/hop5',
      '/final.img',
    ]);
    // The Range header goes along with every hop.
    expect(server.requests.every((request) => request.range === 'bytes=5-9')).toBe(true);
  });

  it('gives up after 5 redirects', async () => {
    const url = server.route('/loop', (_request, response) =>
      response.writeHead(307, { location: '/loop' }).end(),
    );
    await expect(driver.get(url)).rejects.toThrow(
      new StoreUnavailableError(`${url} exceeded 5 redirects`, 'web'),
    );
    expect(server.requests.length).toBe(6);
  });

  it('maps 404 to StoreNotFoundError and 500 to StoreUnavailableError', async () => {
    await expect(driver.get(`${server.base}/missing.img`)).rejects.toBeInstanceOf(StoreNotFoundError);
    const url = server.route('/broken.img', (_request, response) => response.writeHead(500).end('oops'));
    await expect(driver.get(url)).rejects.toThrow(StoreUnavailableError);
    await expect(driver.get(url)).rejects.toThrow(/HTTP 500/);
  });

  it('maps a refused connection to StoreUnavailableError', async () => {
    const closed = new TestServer();
    await closed.start();
    const url = `${closed.base}/image.img`;
    await closed.stop();
    const error = await driver.get(url).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('answers a location it cannot fetch as a bad location (Glance: BadStoreUri), a read of it as an outage', async () => {
    const closed = new TestServer();
    await closed.start();
    const refused = `${closed.base}/image.img`;
    await closed.stop();
    const broken = server.route('/broken-location.img', (_request, response) =>
      response.writeHead(500).end(),
    );
    for (const url of [refused, broken]) {
      const error = await driver.inspectLocation(url).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreBadLocationError);
      expect((error as Error).message).toMatch(/ECONNREFUSED|HTTP 500/);
      await expect(driver.get(url)).rejects.toBeInstanceOf(StoreUnavailableError);
    }
    // Nothing there stays StoreNotFoundError, which the location API answers "no data there".
    await expect(driver.inspectLocation(`${server.base}/missing.img`)).rejects.toBeInstanceOf(
      StoreNotFoundError,
    );
  });

  it('times out waiting for the response headers', async () => {
    const quick = new HttpStoreDriver(
      { id: 'web', type: 'http', description: null, weight: 0, section: 'web' },
      { timeoutMs: 200, allowedNetworks: ['127.0.0.1'] },
    );
    const url = server.route('/silent.img', () => undefined);
    try {
      await expect(quick.get(url)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await quick.close();
    }
  });

  it('rejects with the abort reason', async () => {
    const url = server.route('/slow.img', () => undefined);
    const abort = new AbortController();
    const reason = new Error('client left');
    const reading = driver.get(url, { signal: abort.signal });
    setTimeout(() => abort.abort(reason), 50);
    await expect(reading).rejects.toBe(reason);
  });

  it('refuses URLs it cannot read, and refuses uploads (read-only); delete does nothing', async () => {
    await expect(driver.get('ftp://example.com/a')).rejects.toBeInstanceOf(StoreBadLocationError);
    await expect(driver.get('http://')).rejects.toBeInstanceOf(StoreBadLocationError);
    await expect(driver.add('img', Readable.from([]))).rejects.toBeInstanceOf(StoreReadOnlyError);
    await expect(driver.delete('http://example.com/a')).resolves.toBeUndefined();
    expect(driver.readOnly).toBe(true);
  });
});

describe('HttpStoreDriver: only public addresses unless allowed (SSRF)', () => {
  const CONFIG = { id: 'web', type: 'http', description: null, weight: 0, section: 'web' } as const;

  it.each([
    ['an IPv4 loopback literal', (port: number) => `http://127.0.0.1:${port}/image.img`],
    ['a name that resolves to loopback', (port: number) => `http://localhost:${port}/image.img`],
    ['a decimal-encoded address', (port: number) => `http://2130706433:${port}/image.img`],
    ['a short-form address', (port: number) => `http://127.1:${port}/image.img`],
    ['an IPv4-mapped IPv6 literal', (port: number) => `http://[::ffff:127.0.0.1]:${port}/image.img`],
  ])('refuses %s without sending a request', async (_name, urlFor) => {
    const guarded = new HttpStoreDriver(CONFIG, { timeoutMs: 2000 });
    server.route('/image.img', rangeServing(IMAGE));
    const port = Number(new URL(server.base).port);
    try {
      const error = await guarded.get(urlFor(port)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/127\.0\.0\.1.*not a public address/);
      expect(server.requests).toEqual([]);
    } finally {
      await guarded.close();
    }
  });

  it('refuses a redirect from an allowed address to one that is not, at the second hop', async () => {
    // 127.0.0.2 is loopback too (all of 127/8 is), but only 127.0.0.1 is allowed here.
    const inner = new TestServer();
    await inner.start('127.0.0.2');
    const secret = inner.route('/secret', rangeServing(Buffer.from('secret')));
    // The inner server does answer whoever may reach it.
    expect((await fetch(secret)).status).toBe(200);
    inner.requests.length = 0;
    const guarded = new HttpStoreDriver(CONFIG, { timeoutMs: 2000, allowedNetworks: ['127.0.0.1/32'] });
    const url = server.route('/hop', (_request, response) =>
      response.writeHead(302, { location: secret }).end(),
    );
    try {
      const error = await guarded.get(url).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/127\.0\.0\.2.*not a public address/);
      expect(server.requests.map((request) => request.url)).toEqual(['/hop']);
      expect(inner.requests).toEqual([]);
    } finally {
      await guarded.close();
      await inner.stop();
    }
  });
});
