import type { ImageCore } from '@glance-ts/db';
import { pyTitle } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';

/**
 * What Glance's create and update paths share: which attributes are columns, which names are
 * read-only or reserved, the quotas, and the checks its database layer makes on every save.
 */

/** The writable columns of an image, by API name. */
export const WRITABLE_CORE_ATTRIBUTES = {
  name: 'name',
  visibility: 'visibility',
  protected: 'protected',
  os_hidden: 'osHidden',
  owner: 'owner',
  min_disk: 'minDisk',
  min_ram: 'minRam',
  disk_format: 'diskFormat',
  container_format: 'containerFormat',
} as const satisfies Record<string, keyof ImageCore>;

export type WritableCoreAttribute = keyof typeof WRITABLE_CORE_ATTRIBUTES;

export function isWritableCoreAttribute(name: string): name is WritableCoreAttribute {
  return Object.hasOwn(WRITABLE_CORE_ATTRIBUTES, name);
}

/** RequestDeserializer._reserved_properties: refused wherever they appear. */
export const RESERVED_PROPERTIES: readonly string[] = ['location', 'deleted', 'deleted_at'];
/** glance.api.common.GLANCE_RESERVED_NS: every name starting with it belongs to Glance. */
export const RESERVED_NAMESPACE = 'os_glance';

export function isReservedName(name: string): boolean {
  return RESERVED_PROPERTIES.includes(name) || name.startsWith(RESERVED_NAMESPACE);
}

export const reservedError = (name: string) => new ImageRequestError(403, `Attribute '${name}' is reserved.`);
export const readOnlyError = (name: string) =>
  new ImageRequestError(403, `Attribute '${name}' is read-only.`);

export interface ImageQuotas {
  /** Glance's `image_tag_quota` (default 128); negative means unlimited. */
  imageTagQuota?: number;
  /** Glance's `image_property_quota` (default 128); negative means unlimited. */
  imagePropertyQuota?: number;
}

const DEFAULT_QUOTA = 128;

/** glance.quota's tag check: the list as given, duplicates included, against the quota. */
export function enforceTagQuota(tags: readonly unknown[], quotas: ImageQuotas): void {
  const maximum = quotas.imageTagQuota ?? DEFAULT_QUOTA;
  if (maximum >= 0 && tags.length > maximum) {
    throw new ImageRequestError(
      413,
      `The limit has been exceeded on the number of allowed image tags. Attempted: ${tags.length}, Maximum: ${maximum}`,
    );
  }
}

export function enforcePropertyQuota(count: number, quotas: ImageQuotas): void {
  const maximum = quotas.imagePropertyQuota ?? DEFAULT_QUOTA;
  if (maximum >= 0 && count > maximum) {
    throw new ImageRequestError(
      413,
      `The limit has been exceeded on the number of allowed image properties. Attempted: ${count}, Maximum: ${maximum}`,
    );
  }
}

/** The domain Image's min_disk / min_ram setters. */
export function checkNotNegative(name: 'min_disk' | 'min_ram', value: number): void {
  if (value < 0) {
    throw new ImageRequestError(
      400,
      `Invalid value '${value}' for parameter '${name}': Cannot be a negative value`,
    );
  }
}

/** Glance's MySQL-sized INT columns (`validate_mysql_int`). */
const MAX_INT = 2 ** 31 - 1;

/** The values Glance's database layer receives on a save, in its order (`_format_image_to_db`). */
export interface StoredImageValues {
  id: string;
  core: ImageCore;
  properties: ReadonlyMap<string, string | null>;
  /** Tags the save creates (those the image did not have). */
  newTags: readonly string[];
}

/**
 * The checks of Glance's database layer on create and update, in its order: no 4-byte UTF-8
 * characters in any string (MySQL's utf8 columns cannot hold them), min_disk / min_ram within a
 * MySQL INT, then no 4-byte characters in the tags it inserts.
 */
export function checkDatabaseConstraints(values: StoredImageValues): void {
  const { core } = values;
  const columns: Array<[string, unknown]> = [
    ['id', values.id],
    ['name', core.name],
    ['status', core.status],
    ['checksum', core.checksum],
    ['os_hash_algo', core.osHashAlgo],
    ['os_hash_value', core.osHashValue],
    ['owner', core.owner],
    ['disk_format', core.diskFormat],
    ['container_format', core.containerFormat],
    ['visibility', core.visibility],
  ];
  for (const [key, value] of columns) checkFourByte(key, value);
  for (const [key, value] of values.properties) {
    if (hasFourByteCharacter(key))
      throw new ImageRequestError(400, "Property names can't contain 4 byte unicode.");
    checkFourByte(key, value);
  }
  for (const [key, value] of [
    ['min_disk', core.minDisk],
    ['min_ram', core.minRam],
  ] as const) {
    if (value > MAX_INT) {
      throw new ImageRequestError(400, `'${key}' value out of range, must not exceed ${MAX_INT}`);
    }
  }
  for (const tag of values.newTags) {
    if (hasFourByteCharacter(tag))
      throw new ImageRequestError(400, "Param values can't contain 4 byte unicode.");
  }
}

function checkFourByte(key: string, value: unknown): void {
  if (typeof value === 'string' && hasFourByteCharacter(value)) {
    throw new ImageRequestError(400, `${pyTitle(key)} can't contain 4 byte unicode characters.`);
  }
}

/** Tags as Glance stores them: a set, kept here in first-seen order. */
export function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

/** Characters outside the Basic Multilingual Plane: 4 bytes in UTF-8 (Glance refuses them in the database). */
export function hasFourByteCharacter(text: string): boolean {
  for (const char of text) if ((char.codePointAt(0) as number) > 0xffff) return true;
  return false;
}
