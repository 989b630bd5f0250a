import type { ImageRecord } from '@glance-ts/db';
import { pyRepr } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';

/**
 * JSON patch on `/locations` (Glance's `_do_add_locations`, `_do_replace_locations`,
 * `_do_remove_locations` with `show_multiple_locations` on): the list arithmetic, the status rules
 * and the validation_data checks, with Glance's messages. What needs a store (is the URL a location
 * of a configured store, how large is the data, may this caller point there) is left to the caller
 * through `added`; removing a location releases its data, which the caller does after saving.
 */

/** A location as a patch gives it. */
export interface PatchLocation {
  url: string;
  metadata: Record<string, unknown>;
}

/** The hash values a location's validation_data may set on a queued image. */
export interface ValidationValues {
  checksum?: string;
  os_hash_algo?: string;
  os_hash_value?: string;
}

/** The image's locations as the patch leaves them. */
export interface LocationPatchResult {
  /** The active locations after the operations, in order. */
  locations: PatchLocation[];
  /** Locations the operations brought in (not on the image before): the caller checks each. */
  added: PatchLocation[];
  /** Locations taken off the image (by URL). */
  removed: PatchLocation[];
  /** A queued image becomes active (and takes `validation`) once the added locations check out. */
  activate: boolean;
  validation: ValidationValues;
}

type Operation = { op: 'add' | 'remove' | 'replace'; path: readonly string[]; value?: unknown };

const conflict = (message: string) => new ImageRequestError(409, message);
const badRequest = (message: string) => new ImageRequestError(400, message);

/** The digest sizes of the algorithms `hashing_algorithm` may name (only sha512 here). */
const DIGEST_BYTES: Record<string, number> = { sha512: 64 };

/**
 * Folds one location operation into `state` (which starts from the image's active locations).
 * `image` is the image as loaded, before the patch.
 */
export function applyLocationOperation(
  image: ImageRecord,
  state: LocationPatchResult,
  operation: Operation,
  hashingAlgorithm: string,
): void {
  const status = image.status;
  if (operation.op === 'remove') {
    if (status !== 'active') {
      throw conflict(`It's not allowed to remove locations if image status is ${status}.`);
    }
    if (state.locations.length === 1)
      throw new ImageRequestError(403, 'Cannot remove last location in the image.');
    const position = locationPosition(operation.path[1], state.locations.length, false);
    if (position === null) throw badRequest('Invalid position for removing a location.');
    const [removed] = state.locations.splice(position, 1);
    if (!state.added.some((location) => location.url === removed.url)) state.removed.push(removed);
    state.added = state.added.filter((location) => location.url !== removed.url);
    return;
  }

  if (status !== 'active' && status !== 'queued') {
    const verb = operation.op === 'add' ? 'add' : 'replace';
    throw conflict(`It's not allowed to ${verb} locations if image status is ${status}.`);
  }
  const given = (operation.op === 'add' ? [operation.value] : operation.value) as Array<
    PatchLocation & { validation_data?: ValidationValues }
  >;
  const values = validationValues(image, given, hashingAlgorithm);

  if (operation.op === 'add') {
    const position = locationPosition(operation.path[1], state.locations.length, true);
    if (position === null) throw badRequest('Invalid position for adding a location.');
    const location = plain(given[0]);
    if (state.locations.some((existing) => sameLocation(existing, location))) {
      throw badRequest(`The location ${location.url} already exists`);
    }
    state.locations.splice(position, 0, location);
    if (!image.locations.some((existing) => existing.url === location.url)) state.added.push(location);
  } else {
    const locations = given.map(plain);
    const newUrls = locations.map((location) => location.url).sort();
    const oldUrls = state.locations.map((location) => location.url).sort();
    const sameUrls = newUrls.length === oldUrls.length && newUrls.every((url, i) => url === oldUrls[i]);
    if (!sameUrls) {
      // Glance replaces a non-empty list only to change the metadata of the same URLs.
      if (state.locations.length > 0) {
        throw badRequest(`Original locations is not empty: ${pyRepr(state.locations.map(withStatus))}`);
      }
      for (const location of locations) {
        if (locations.filter((other) => sameLocation(other, location)).length > 1) {
          throw badRequest(`The location ${location.url} already exists`);
        }
      }
      for (const location of locations) {
        if (!image.locations.some((existing) => existing.url === location.url)) state.added.push(location);
      }
    }
    state.locations = locations;
  }
  if (status === 'queued') {
    state.activate = true;
    Object.assign(state.validation, values);
  }
}

/** The starting state: the image's active locations, nothing changed yet. */
export function initialLocationState(locations: readonly PatchLocation[]): LocationPatchResult {
  return {
    locations: locations.map((location) => ({ url: location.url, metadata: location.metadata })),
    added: [],
    removed: [],
    activate: false,
    validation: {},
  };
}

/** Glance's `_get_locations_op_pos`: a digit string or `-`. */
function locationPosition(pointer: string | undefined, count: number, allowEnd: boolean): number | null {
  if (pointer === undefined) return null;
  let position = allowEnd ? count : count - 1;
  if (/^[0-9]+$/.test(pointer)) position = Number(pointer);
  else if (pointer !== '-') return null;
  if (!(allowEnd || (position >= 0 && position < count))) return null;
  // Python's list.insert clamps a position past the end.
  return Math.min(position, count);
}

/**
 * Glance's `_validate_validation_data`: the values several locations give must agree, may only
 * repeat what the image has, and may only be new while it is queued; then their formats.
 */
function validationValues(
  image: ImageRecord,
  locations: ReadonlyArray<{ validation_data?: ValidationValues }>,
  hashingAlgorithm: string,
): ValidationValues {
  const merged: Record<string, string> = {};
  for (const location of locations) {
    for (const [key, value] of Object.entries(location.validation_data ?? {})) {
      if (key in merged && merged[key] !== value) throw conflict(`Conflicting values for ${key}`);
      merged[key] = value as string;
    }
  }
  const current: Record<string, string | null> = {
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
  };
  const fresh: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (value === current[key]) continue;
    if (current[key]) throw conflict(`${key} is already set with a different value`);
    fresh[key] = value;
  }
  if (Object.keys(fresh).length === 0) return {};
  if (image.status !== 'queued') {
    throw conflict(
      `New value(s) for ${Object.keys(fresh).join(', ')} may only be provided when image status is 'queued'`,
    );
  }
  if (fresh.checksum !== undefined) {
    if (!isHex(fresh.checksum))
      throw conflict(`checksum (${fresh.checksum}) is not a valid hexadecimal value`);
    if (hexBytes(fresh.checksum) !== 16) {
      throw conflict(`checksum (${fresh.checksum}) is not the correct size for md5 (should be 16 bytes)`);
    }
  }
  const algorithm = fresh.os_hash_algo;
  if (algorithm !== hashingAlgorithm) {
    throw conflict(`os_hash_algo must be ${hashingAlgorithm}, not ${algorithm ?? 'None'}`);
  }
  const value = fresh.os_hash_value ?? '';
  if (!isHex(value)) throw conflict(`os_hash_value (${value}) is not a valid hexadecimal value`);
  const want = DIGEST_BYTES[algorithm];
  if (hexBytes(value) !== want) {
    throw conflict(
      `os_hash_value (${value}) is not the correct size for ${algorithm} (should be ${want} bytes)`,
    );
  }
  return fresh;
}

/** Python's bytearray.fromhex: pairs of hex digits, spaces between pairs allowed. */
function isHex(text: string): boolean {
  return /^(?:\s*[0-9a-fA-F]{2})*\s*$/.test(text);
}

function hexBytes(text: string): number {
  return text.replace(/\s/g, '').length / 2;
}

function plain(location: PatchLocation): PatchLocation {
  return { url: location.url, metadata: location.metadata };
}

/** Glance's duplicate test: the same URL and the same metadata. */
function sameLocation(a: PatchLocation, b: PatchLocation): boolean {
  return a.url === b.url && JSON.stringify(a.metadata) === JSON.stringify(b.metadata);
}

function withStatus(location: PatchLocation): Record<string, unknown> {
  return { url: location.url, metadata: location.metadata, status: 'active' };
}
