import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ImageApiClient,
  ImageApiConnectionError,
  ImageApiError,
  ImageClientError,
  InvalidResponseError,
  parseImageUrl,
} from '@glance-ts/image-client';
import { CliError, exitCodeOf } from './errors';
import { pyJson } from './py-response';
import { PyFloat } from '@glance-ts/pycompat';

describe('parseImageUrl', () => {
  it.each([
    ['http://h:9292', 'http://h:9292', undefined],
    ['http://h:9292/', 'http://h:9292', undefined],
    ['http://h:9292/v2', 'http://h:9292', 2],
    ['http://h:9292/v2.16/', 'http://h:9292', 2],
    ['https://h/image', 'https://h/image', undefined],
    ['https://h/image//v2/', 'https://h/image', 2],
    ['http://h/vault', 'http://h/vault', undefined],
    [' http://h:9292?x=1 ', 'http://h:9292', undefined],
  ])('%s -> base %s, version %p', (url, base, urlVersion) => {
    expect(parseImageUrl(url)).toEqual({ base, urlVersion });
  });

  it.each(['h:9292', 'ftp://h', 'not a url'])('refuses %s', async (url) => {
    expect(() => parseImageUrl(url)).toThrow(ImageClientError);
    expect(await exitCodeOf(catchError(() => parseImageUrl(url)))).toBe(1);
  });
});

describe('ImageApiClient (as the commands use it)', () => {
  let server: Server;
  let base: string;
  let handler: (request: IncomingMessage, response: ServerResponse) => void;
  const seen: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function client(extra: Partial<ConstructorParameters<typeof ImageApiClient>[0]> = {}) {
    return new ImageApiClient({
      imageUrl: `${base}/prefix/v2/`,
      token: 'tok',
      userAgent: 'test/1',
      ...extra,
    });
  }

  function reply(status: number, contentType: string, body: string, headers: Record<string, string> = {}) {
    handler = (_request, response) => {
      response.writeHead(status, { 'Content-Type': contentType, ...headers });
      response.end(body);
    };
  }

  it('sends the token, JSON Accept and user agent below the path prefix, and reads the answer', async () => {
    reply(200, 'application/json', '{"stores": [{"id": "a", "weight": 1.0}]}', {
      'X-Openstack-Request-Id': 'req-1',
    });
    const api = client();
    const response = await api.getJson('/v2/info/stores');
    await api.close();
    expect(seen[seen.length - 1]).toMatchObject({
      url: '/prefix/v2/info/stores',
      headers: expect.objectContaining({
        'x-auth-token': 'tok',
        accept: 'application/json',
        'user-agent': 'test/1',
      }),
    });
    expect(response).toMatchObject({ status: 200, requestId: 'req-1', url: `${base}/prefix/v2/info/stores` });
    expect(response.json()).toEqual({ stores: [{ id: 'a', weight: 1 }] });
    const py = pyJson(response) as Map<string, unknown>;
    expect((py.get('stores') as Map<string, unknown>[])[0].get('weight')).toEqual(new PyFloat(1));
  });

  it('throws the glanceclient message for an error status, keeping status and request id', async () => {
    reply(
      404,
      'application/json',
      '{"message": "Nope.<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}',
      {
        'X-Openstack-Request-Id': 'req-2',
      },
    );
    const error = await client()
      .getJson('/v2/info/stores')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageApiError);
    expect(error).toMatchObject({ message: 'HTTP 404 Not Found: Nope.', status: 404, requestId: 'req-2' });
  });

  it('refuses a body that is not JSON when JSON is read', async () => {
    reply(200, 'application/json', '<html>');
    const response = await client().getJson('/x');
    expect(() => response.json()).toThrow(
      new InvalidResponseError(`Invalid JSON in the response from ${base}/prefix/x`),
    );
    expect(await exitCodeOf(catchError(() => response.json()))).toBe(1);
    expect(() => pyJson(response)).toThrow(CliError);
  });

  it('hands a successful body over as a stream, but reads and reports an error body', async () => {
    reply(200, 'application/octet-stream', 'image-bytes');
    const streamed = await client().stream('GET', '/v2/images/x/file');
    const chunks: Buffer[] = [];
    for await (const chunk of streamed.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('image-bytes');

    reply(403, 'text/plain', '403 Forbidden\n\nNo.\n\n   ');
    await expect(client().stream('GET', '/v2/images/x/file')).rejects.toThrow('HTTP 403 Forbidden: No.');
  });

  it('gives up waiting after the timeout with one line', async () => {
    handler = () => undefined; // never answers
    const error = await client({ timeoutSeconds: 0.2 })
      .getJson('/slow')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageApiConnectionError);
    expect((error as Error).message).toBe(
      `Error communicating with ${base}/prefix/slow: Read timed out. (read timeout=0.2)`,
    );
  });

  it('reports a connection the server drops', async () => {
    handler = (request) => request.socket.destroy();
    const error = await client()
      .getJson('/drop')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageApiConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`^Error communicating with ${base}/prefix/drop: .+`));
  });

  it('feeds --debug: curl line with the token hashed, request id, status and the response dump', async () => {
    reply(403, 'application/json', '{"message": "No.", "code": "403 Forbidden", "title": "Forbidden"}', {
      'X-Openstack-Request-Id': 'req-3',
    });
    const lines: string[] = [];
    await client({ debug: (text) => lines.push(text) })
      .getJson('/v2/info/stores/detail')
      .catch(() => undefined);
    expect(lines[0]).toBe(
      `curl -g -i -X GET -H 'Accept: application/json' -H 'User-Agent: test/1' ` +
        `-H 'X-Auth-Token: {SHA1}${createHash('sha1').update('tok').digest('hex')}' ` +
        `${base}/prefix/v2/info/stores/detail`,
    );
    expect(lines[1]).toBe(`GET call to image for ${base}/prefix/v2/info/stores/detail used request id req-3`);
    expect(lines[2]).toBe('Request returned failure status 403.');
    expect(lines[3]).toMatch(
      /^\nHTTP\/1\.1 403 Forbidden\ncontent-type: application\/json\n[\s\S]*\n\n\{"message": "No\."/,
    );
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
