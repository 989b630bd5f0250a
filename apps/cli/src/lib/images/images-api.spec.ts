import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImageApiClient } from '@glance-ts/image-client';
import { CliError } from '../errors';
import { ImagesApi, type ListImagesOptions, listImagesPath, validateSortParameter } from './images-api';

const BASE: ListImagesOptions = { filters: [], tags: [], sortKeys: ['name'], sortDirs: ['asc'] };

describe('listImagesPath (images.list)', () => {
  it("puts filters, the page size, tags and sort parameters in glanceclient's order", () => {
    expect(
      listImagesPath({
        ...BASE,
        filters: [
          ['visibility', 'public'],
          ['os_hidden', 'False'],
          ['os_distro', 'a b'],
        ],
        tags: ['t1', 't2'],
        pageSize: 20,
      }),
    ).toBe(
      '/v2/images?visibility=public&os_hidden=False&os_distro=a+b&limit=20&tag=t1&tag=t2&sort_key=name&sort_dir=asc',
    );
  });

  it('sends --sort as given once it is valid, and never with --sort-key/--sort-dir', () => {
    expect(listImagesPath({ ...BASE, sortKeys: [], sortDirs: [], sort: 'name:desc,size' })).toBe(
      '/v2/images?limit=200&sort=name:desc,size',
    );
    expect(() => listImagesPath({ ...BASE, sort: 'name' })).toThrow(
      new CliError("HTTP The 'sort' argument is not supported with 'sort_key' or 'sort_dir'."),
    );
  });

  it('refuses more sort directions than keys (beyond one)', () => {
    expect(() => listImagesPath({ ...BASE, sortKeys: ['name'], sortDirs: ['asc', 'desc'] })).toThrow(
      /^HTTP Unexpected number of sort directions/,
    );
  });

  it('validates --sort like glanceclient, direction first', () => {
    expect(() => validateSortParameter('name:up')).toThrow(
      new CliError('HTTP Invalid sort direction: up. It must be one of the following: asc, desc.'),
    );
    expect(() => validateSortParameter('name, size')).toThrow(/^HTTP Invalid sort key: {2}size\./);
  });
});

describe('ImagesApi.list (pagination)', () => {
  const requests: string[] = [];
  const images = Array.from({ length: 5 }, (_, i) => ({ id: `id-${i}`, name: `image-${i}` }));
  const server = createServer((request: IncomingMessage, response) => {
    requests.push(request.url ?? '');
    const url = new URL(request.url ?? '/', 'http://x');
    const limit = Number(url.searchParams.get('limit'));
    const marker = url.searchParams.get('marker');
    const start = marker ? images.findIndex((image) => image.id === marker) + 1 : 0;
    const page = images.slice(start, start + limit);
    const body: Record<string, unknown> = { images: page, first: '/v2/images', schema: '/v2/schemas/images' };
    if (start + limit < images.length) body.next = `/v2/images?limit=${limit}&marker=${page.at(-1)!.id}`;
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify(body));
  });
  let api: ImagesApi;
  let client: ImageApiClient;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new ImageApiClient({ imageUrl: `http://127.0.0.1:${port}/v2`, token: 't', userAgent: 'test' });
    api = new ImagesApi(client);
  });
  afterAll(async () => {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (requests.length = 0));

  it('follows next links to the end', async () => {
    const listed = await api.list({ ...BASE, pageSize: 2 });
    expect(listed.map((image) => image.json.id)).toEqual(images.map((image) => image.id));
    expect(listed[0].py.get('name')).toBe('image-0');
    expect(requests).toHaveLength(3);
  });

  it('stops at --limit and asks for no more than it needs', async () => {
    const listed = await api.list({ ...BASE, limit: 3 });
    expect(listed.map((image) => image.json.id)).toEqual(['id-0', 'id-1', 'id-2']);
    expect(requests).toEqual(['/v2/images?limit=3&sort_key=name&sort_dir=asc']);
  });
});
