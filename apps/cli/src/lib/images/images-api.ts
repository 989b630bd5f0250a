// The Image API v2 calls of the image commands, as glanceclient 4.1's v2/images.py and
// image_tags.py make them. Images come back twice: parsed the Python way (PyDict, for printing
// byte for byte) and as plain JSON (for reading fields and for -f json).
import type { Readable } from 'node:stream';
import type { Image as ImageFields } from '@glance-ts/contracts';
import { type ImageApiClient, imagePath, type StreamingResponse } from '@glance-ts/image-client';
import { CliError } from '../errors';
import { pyJson } from '../py-response';
import { dumps } from '@glance-ts/pycompat';
import { PyDict, type PyValue } from '@glance-ts/pycompat';
import { SORT_DIR_VALUES, SORT_KEY_VALUES } from './image-options';

/** An image response's body, parsed twice: the Python way (printing) and as the Image contract. */
export interface ImageBody {
  /** Key order and int/float distinctions kept, for glanceclient's tables. */
  py: PyDict;
  /** The same body from JSON.parse, for field access and machine-readable output. */
  json: ImageFields;
}

/** The image's fields: the project's one Image contract. */
export type { ImageFields };

/** One JSON-patch operation (application/openstack-images-v2.1-json-patch). */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** glanceclient's page size when --page-size is not given. */
export const DEFAULT_PAGE_SIZE = 200;

export interface ListImagesOptions {
  /** Query filters in glanceclient's order (visibility, member_status, owner, ...); values as sent. */
  filters: [string, string][];
  tags: readonly string[];
  limit?: number;
  pageSize?: number;
  sortKeys: readonly string[];
  sortDirs: readonly string[];
  sort?: string;
}

/** A client-side refusal glanceclient raises as exc.HTTPBadRequest: printed as "HTTP <text>". */
function badRequest(text: string): CliError {
  return new CliError(`HTTP ${text}`);
}

/** glanceclient's _validate_sort_param for --sort "key[:dir],...". */
export function validateSortParameter(sort: string): string {
  for (const parameter of sort.trim().split(',')) {
    const colon = parameter.indexOf(':');
    const key = colon < 0 ? parameter : parameter.slice(0, colon);
    const direction = colon < 0 ? '' : parameter.slice(colon + 1);
    if (direction && !(SORT_DIR_VALUES as readonly string[]).includes(direction)) {
      throw badRequest(
        `Invalid sort direction: ${direction}. It must be one of the following: ${SORT_DIR_VALUES.join(', ')}.`,
      );
    }
    if (!(SORT_KEY_VALUES as readonly string[]).includes(key)) {
      throw badRequest(
        `Invalid sort key: ${key}. It must be one of the following: ${SORT_KEY_VALUES.join(', ')}.`,
      );
    }
  }
  return sort;
}

/** The first page's path, built as glanceclient's images.list() builds it. */
export function listImagesPath(options: ListImagesOptions): string {
  const pageSize = options.pageSize || DEFAULT_PAGE_SIZE;
  const query = new URLSearchParams();
  for (const [name, value] of options.filters) query.set(name, value);
  query.set('limit', String(pageSize));
  for (const tag of options.tags) query.append('tag', tag);
  let path = `/v2/images?${query.toString()}`;
  if (options.sort !== undefined) {
    if (options.sortKeys.length > 0 || options.sortDirs.length > 0)
      throw badRequest("The 'sort' argument is not supported with 'sort_key' or 'sort_dir'.");
    path += `&sort=${validateSortParameter(options.sort)}`;
  } else {
    if (options.sortKeys.length !== options.sortDirs.length && options.sortDirs.length > 1) {
      throw badRequest(
        'Unexpected number of sort directions: either provide a single sort direction or an equal ' +
          'number of sort keys and sort directions.',
      );
    }
    for (const key of options.sortKeys) path += `&sort_key=${key}`;
    for (const direction of options.sortDirs) path += `&sort_dir=${direction}`;
  }
  return path;
}

function asImage(py: PyValue, json: unknown, url: string): ImageBody {
  if (!(py instanceof PyDict) || typeof json !== 'object' || json === null)
    throw new CliError(`Invalid response from ${url}: expected an image object`);
  return { py, json: json as ImageFields };
}

export class ImagesApi {
  constructor(private readonly client: ImageApiClient) {}

  async get(id: string): Promise<ImageBody> {
    const response = await this.client.getJson(imagePath(id));
    return asImage(pyJson(response), response.json(), response.url);
  }

  /** GET /v2/schemas/image, parsed both ways (the Python form is what the cache stores). */
  async schema(): Promise<{ py: PyValue; json: unknown }> {
    const response = await this.client.getJson('/v2/schemas/image');
    return { py: pyJson(response), json: response.json() };
  }

  /** The store ids of GET /v2/info/stores, or undefined when multi-store is off (404). */
  async storeIds(): Promise<string[] | undefined> {
    return this.client.storeIds();
  }

  async create(fields: ReadonlyMap<string, unknown>): Promise<ImageBody> {
    const response = await this.client.request('POST', '/v2/images', {
      headers: { 'Content-Type': 'application/json' },
      body: dumps(Object.fromEntries(fields)),
    });
    return asImage(pyJson(response), response.json(), response.url);
  }

  /** PATCH, then GET: glanceclient shows the image as read back after the change. */
  async update(id: string, operations: readonly PatchOperation[]): Promise<ImageBody> {
    await this.client.request('PATCH', imagePath(id), {
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: dumps(operations),
    });
    return this.get(id);
  }

  /**
   * PUT the data. With a known size the request carries Content-Length, otherwise it is chunked
   * (glanceclient always chunks); the body is streamed either way.
   */
  async upload(
    id: string,
    data: Readable | undefined,
    size: number | undefined,
    store?: string,
  ): Promise<void> {
    await this.client.uploadImageData(id, data, { size, store });
  }

  /** GET the data; the caller reads (or destroys) the body. 204: the image has none. */
  async download(id: string): Promise<StreamingResponse> {
    return this.client.downloadImageData(id);
  }

  async delete(id: string): Promise<void> {
    await this.client.deleteImage(id);
  }

  async addTag(id: string, tag: string): Promise<void> {
    await this.client.addImageTag(id, tag);
  }

  async deleteTag(id: string, tag: string): Promise<void> {
    await this.client.deleteImageTag(id, tag);
  }

  /**
   * Every image of the listing, following `next` links page by page like glanceclient's
   * paginate(): at most `limit` images, and no page larger than needed for them.
   */
  async list(options: ListImagesOptions): Promise<ImageBody[]> {
    const pageSize = options.pageSize || DEFAULT_PAGE_SIZE;
    let remaining = options.limit || undefined;
    let nextPath: string | undefined = listImagesPath(options);
    const images: ImageBody[] = [];
    while (nextPath !== undefined) {
      if (remaining !== undefined && pageSize > remaining)
        nextPath = nextPath.replace(`limit=${pageSize}`, `limit=${remaining}`);
      const response = await this.client.getJson(nextPath);
      const py = pyJson(response);
      const json = response.json<{ images?: unknown[]; next?: unknown }>();
      const pyImages = py instanceof PyDict ? py.get('images') : undefined;
      if (!Array.isArray(pyImages) || !Array.isArray(json.images))
        throw new CliError(`Invalid response from ${response.url}: no "images" list`);
      for (let index = 0; index < pyImages.length; index++) {
        images.push(asImage(pyImages[index], json.images[index], response.url));
        if (remaining !== undefined && --remaining <= 0) return images;
      }
      nextPath = typeof json.next === 'string' ? json.next : undefined;
    }
    return images;
  }
}
