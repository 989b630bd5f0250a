import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import {
  ImageApiClient,
  ImageApiError,
  imageApiClientFor,
  imageApiError,
  imagePath,
  InvalidResponseError,
} from './index';

// The calls on a loopback server this test runs: what goes out, and what the client makes of the answers.
describe('ImageApiClient', () => {
  let server: Server;
  let base: string;
  let handler: (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        handler(request, body, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (seen.length = 0));

  const client = () => new ImageApiClient({ imageUrl: `${base}/v2`, token: 'tok', timeoutSeconds: 5 });
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  it('creates, reads and deletes images with the token, JSON bodies and encoded ids', async () => {
    handler = (request, body, response) => {
      if (request.method === 'POST')
        json(response, 201, { id: 'a/b', status: 'queued', ...JSON.parse(String(body)) });
      else if (request.method === 'GET') json(response, 200, { id: 'a/b', status: 'active', size: 3 });
      else response.writeHead(204).end();
    };
    const api = client();
    const created = await api.createImage({ name: 'n', disk_format: 'raw' });
    expect(created).toEqual({ id: 'a/b', status: 'queued', name: 'n', disk_format: 'raw' });
    expect((await api.getImage('a/b')).size).toBe(3);
    await api.deleteImage('a/b');
    await api.close();
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /v2/images',
      'GET /v2/images/a%2Fb',
      'DELETE /v2/images/a%2Fb',
    ]);
    expect(seen[0].headers).toMatchObject({ 'x-auth-token': 'tok', 'content-type': 'application/json' });
  });

  it('streams an upload with Content-Length and the store, reporting progress, and a download likewise', async () => {
    const data = Buffer.alloc(300_000, 7);
    handler = (request, body, response) => {
      if (request.method === 'PUT') response.writeHead(204).end();
      else {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end(data);
      }
    };
    const api = client();
    const uploaded: number[] = [];
    await api.uploadImageData('i', Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), {
      size: data.length,
      store: 'fast',
      onProgress: (bytes) => uploaded.push(bytes),
    });
    expect(seen[0].headers).toMatchObject({
      'content-length': String(data.length),
      'x-image-meta-store': 'fast',
      'content-type': 'application/octet-stream',
    });
    expect(seen[0].body.equals(data)).toBe(true);
    expect(uploaded[uploaded.length - 1]).toBe(data.length);
    expect(uploaded).toEqual([...uploaded].sort((a, b) => a - b));

    const downloaded: number[] = [];
    const response = await api.downloadImageData('i', { onProgress: (bytes) => downloaded.push(bytes) });
    expect((await text(response.body)).length).toBe(data.length);
    expect(downloaded[downloaded.length - 1]).toBe(data.length);
    await api.close();
  });

  it('sends no store header without a store, and Content-Length: 0 without data', async () => {
    handler = (_request, _body, response) => response.writeHead(204).end();
    const api = client();
    await api.uploadImageData('i', undefined, { store: null });
    await api.close();
    expect(seen[0].headers['content-length']).toBe('0');
    expect(seen[0].headers['x-image-meta-store']).toBeUndefined();
  });

  it("decodes Glance's errors: glanceclient's line, the call, and the explanation", async () => {
    handler = (_request, _body, response) =>
      json(response, 400, {
        message: 'Invalid location rbd://x: no such pool.<br /><br />\n\n\n',
        code: '400 Bad Request',
      });
    const api = client();
    const error = await api.addLocation('i', 'rbd://x').catch((caught: unknown) => caught);
    await api.close();
    expect(error).toBeInstanceOf(ImageApiError);
    expect(error).toMatchObject({
      message: 'HTTP 400 Bad Request: Invalid location rbd://x: no such pool.',
      status: 400,
      request: 'POST /v2/images/i/locations',
      explanation: 'Invalid location rbd://x: no such pool.',
      requestFailure: 'POST /v2/images/i/locations failed with 400: Invalid location rbd://x: no such pool.',
    });
    expect(JSON.parse(String(seen[0].body))).toEqual({ url: 'rbd://x' });
  });

  it('tells a service without multi-store (404) from one with stores, and refuses a body without stores', async () => {
    let answer: [number, unknown] = [
      404,
      { message: 'Multi backend is not supported at this site.', code: '404 Not Found' },
    ];
    handler = (_request, _body, response) => json(response, answer[0], answer[1]);
    const api = client();
    expect(await api.storesDetail()).toEqual({
      multiStore: false,
      message: 'Multi backend is not supported at this site.',
    });
    expect(await api.storeIds()).toBeUndefined();
    answer = [200, { stores: [{ id: 'ceph', type: 'rbd', properties: { pool: 'images' } }] }];
    expect(await api.storesDetail()).toEqual({
      multiStore: true,
      stores: [{ id: 'ceph', type: 'rbd', properties: { pool: 'images' } }],
    });
    expect(await api.storeIds()).toEqual(['ceph']);
    answer = [200, { other: [] }];
    await expect(api.storesDetail()).rejects.toBeInstanceOf(InvalidResponseError);
    await api.close();
  });

  it("ends a call with the caller's abort reason, and the client stays usable", async () => {
    let hold: ServerResponse | undefined;
    handler = (request, _body, response) => {
      if (request.url?.endsWith('/slow')) hold = response;
      else json(response, 200, { id: 'fast' });
    };
    const api = client();
    const abort = new AbortController();
    const pending = api.getImage('slow', { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reason = new Error('caller gave up');
    abort.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect((await api.getImage('fast')).id).toBe('fast');
    hold?.destroy();
    await api.close();
  });

  it('builds a client for an endpoint and token, and passes a client through', async () => {
    handler = (_request, _body, response) => json(response, 200, { id: 'x' });
    const built = await imageApiClientFor({ url: `${base}/v2/`, token: 'other' });
    expect(built.endpoint.base).toBe(base);
    await built.getImage('x');
    expect(seen[0].headers['x-auth-token']).toBe('other');
    expect(await imageApiClientFor(built)).toBe(built);
    await built.close();
  });
});

describe('imagePath', () => {
  it('encodes every segment, so an id or member with / ? # stays one segment', () => {
    expect(imagePath('a/b?c#d')).toBe('/v2/images/a%2Fb%3Fc%23d');
    expect(imagePath('id', 'members', 'x/../y')).toBe('/v2/images/id/members/x%2F..%2Fy');
    expect(imagePath('id', 'tags', 'ü tag')).toBe('/v2/images/id/tags/%C3%BC%20tag');
  });
});

describe('ImageApiError', () => {
  it('keeps the whole details as the explanation when there is no status line', () => {
    const error = imageApiError(502, 'text/plain', 'upstream went away', undefined, 'GET /v2/images');
    expect(error.details).toBe('upstream went away');
    expect(error.explanation).toBe('upstream went away');
    expect(error.requestFailure).toBe('GET /v2/images failed with 502: upstream went away');
  });
});
