import { dictSet } from '@glance-ts/pycompat';
import type { Image } from '@glance-ts/contracts';
import type { ImageRecord } from '@glance-ts/db';
import type { ImageListLinks } from './image-list-query';
import { IMAGE_VALIDATION_SCHEMA } from './image-schema';

/**
 * Image bodies as Glance's ResponseSerializer builds them (`_format_image`, `index`): custom
 * properties first in their order, then the columns in Glance's fixed order, the links, and
 * `stores` last. Serialised in key order, they give Glance's bytes.
 *
 * Integer-like custom property names ("1") are the exception: a JavaScript object lists them
 * before every other key, where Glance keeps them in place.
 */

export interface ImageViewOptions {
  /** Multiple stores are configured (`enabled_backends`): add `stores`. */
  multiStore: boolean;
  /**
   * The image's active locations in Glance's order (highest store weight first), when the body
   * shows them: `locations` with `show_multiple_locations`, `direct_url` (the first one) with
   * `show_image_direct_url`. Empty for a caller who may not see them (a deactivated image, not admin).
   */
  locations?: {
    list: ReadonlyArray<{ url: string; metadata: Record<string, unknown> }>;
    showAll: boolean;
    showDirectUrl: boolean;
  };
}

/** Properties Glance keeps to itself (ResponseSerializer._hidden_properties). */
const HIDDEN_PROPERTIES = new Set(['os_glance_stage_host']);
const SCHEMA_PROPERTIES = new Set(Object.keys(IMAGE_VALIDATION_SCHEMA.properties as object));

/** An image's body: the project's Image contract, keys in Glance's order (Python dict order). */
export function imageView(image: ImageRecord, options: ImageViewOptions): Image {
  const view: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image.properties)) {
    if (HIDDEN_PROPERTIES.has(name)) continue;
    // schema.filter: a null custom property (left by the v1 API) is shown as ''.
    dictSet(view, name, value === null && !SCHEMA_PROPERTIES.has(name) ? '' : value);
  }
  // Assigning keeps a key where a custom property of the same name put it, as a Python dict does.
  const columns: Image = {
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtualSize,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    os_hidden: image.osHidden,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    id: image.id,
    created_at: isotime(image.createdAt),
    updated_at: isotime(image.updatedAt),
  };
  const shown = options.locations;
  if (shown?.showAll) {
    columns.locations = shown.list.map((location) => ({ url: location.url, metadata: location.metadata }));
  }
  if (shown?.showDirectUrl && shown.list.length > 0) columns.direct_url = shown.list[0].url;
  const links: Partial<Image> = {
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
  for (const part of [columns, links])
    for (const name of Object.keys(part)) dictSet(view, name, part[name as keyof Image]);

  if (options.multiStore) {
    // Only usable copies: Glance's database layer leaves out deleted and pending_delete locations.
    const usable = shown?.list ?? image.locations.filter((location) => location.status === 'active');
    const stores = usable
      .map((location) => location.metadata.store)
      .filter((store) => Boolean(store))
      .map(String);
    if (stores.length > 0) dictSet(view, 'stores', stores.join(','));
  }
  // Built key by key for the order; `columns` above is what the contract checks.
  return view as Image;
}

/** ResponseSerializer.index: `images`, `first`, `schema`, then `next` when there is a next page. */
export function imagesView(images: readonly Image[], links: ImageListLinks): Record<string, unknown> {
  const body: Record<string, unknown> = {
    images: [...images],
    first: links.first,
    schema: '/v2/schemas/images',
  };
  if (links.next !== undefined) body.next = links.next;
  return body;
}

/**
 * Glance's `timeutils.isotime` of a database time: `%Y-%m-%dT%H:%M:%S` and `Z`, whole seconds.
 * Like glibc's strftime, the year is not padded below 1000.
 */
export function isotime(at: Date): string {
  const iso = at.toISOString();
  // YYYY-MM-DDTHH:MM:SS.mmmZ for years 1000 to 9999; Python does not pad earlier years (999-...),
  // and later ones are six digits and signed.
  if (iso.length === 24 && iso[0] !== '0') return iso.slice(0, 19) + 'Z';
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}` +
    `T${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}Z`
  );
}
