import { type ImageCore, IMAGE_CORE_KEYS, type ImageRecord } from '@glance-ts/db';
import {
  checkDatabaseConstraints,
  checkNotNegative,
  enforcePropertyQuota,
  enforceTagQuota,
  type ImageQuotas,
  isReservedName,
  isWritableCoreAttribute,
  readOnlyError,
  reservedError,
  uniqueTags,
  WRITABLE_CORE_ATTRIBUTES,
} from './image-attributes';
import { dictSet, PY_WHITESPACE_CLASS, pyStr, pyStrip } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';
import { IMAGE_VALIDATION_SCHEMA, validateImageSchema } from './image-schema';
import { applyLocationOperation, initialLocationState, type LocationPatchResult } from './location-patch';

/**
 * PATCH /v2/images/{id}: Glance's RequestDeserializer.update (content types, operation objects,
 * JSON pointers, read-only and reserved names, the schema check of each value) and
 * ImagesController.update (`_do_add`, `_do_replace`, `_do_remove` and the domain rules they run
 * into, the quotas and the database's checks). The policy checks Glance makes per operation
 * (modify_image, and publicize_image / communitize_image for a visibility change) need the caller:
 * the service makes them from `changedKeys`.
 */

export type ImagePatchOp = 'add' | 'remove' | 'replace';

export interface ImagePatchOperation {
  op: ImagePatchOp;
  /** The decoded JSON pointer: one name (`['name']`), or `['locations', '0']` / `['locations', '-']`. */
  path: readonly string[];
  /** Absent for `remove`. */
  value?: unknown;
  /** 10 for the v2.1 media type (RFC 6902 semantics), 4 for v2.0 (`add` refuses existing names). Default 10. */
  jsonSchemaVersion?: 4 | 10;
}

export interface ImagePatchOptions extends ImageQuotas {
  /**
   * Only an admin may change the owner. Glance checks only `replace`, so anyone who may modify an
   * image can give it away with `add`; glance-ts refuses both.
   */
  isAdmin?: boolean;
  /**
   * `show_multiple_locations` is on: `/locations` operations apply (see location-patch.ts), with
   * the image's active locations in the order given. Off (the default): they are refused.
   */
  locations?: { hashingAlgorithm: string };
}

export interface ImagePatchResult {
  /** The columns the operations set (whether or not the value changed). */
  core: Partial<ImageCore>;
  /** The full new set of custom properties. */
  properties: Record<string, string>;
  /** The full new list of tags. */
  tags: string[];
  /**
   * API names of every attribute an operation set or removed, in order. Glance saves (and bumps
   * updated_at) whenever there was an operation, and checks publicize_image / communitize_image
   * whenever one sets visibility to public / community — even to the current value.
   */
  changedKeys: string[];
  /** The locations after the operations, when any operation was on `/locations`. */
  locations?: LocationPatchResult;
}

/** The PATCH media types and the JSON Schema draft of their operation format. */
export const IMAGE_PATCH_MEDIA_TYPES: Readonly<Record<string, 4 | 10>> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};
const ACCEPT_PATCH = Object.keys(IMAGE_PATCH_MEDIA_TYPES).sort().join(', ');
const SUPPORTED_OPERATIONS: readonly ImagePatchOp[] = ['add', 'remove', 'replace'];

/** RequestDeserializer._readonly_properties. */
const READ_ONLY_ON_UPDATE = [
  'created_at',
  'updated_at',
  'status',
  'checksum',
  'size',
  'virtual_size',
  'direct_url',
  'self',
  'file',
  'schema',
  'id',
  'os_hash_algo',
  'os_hash_value',
];

const badRequest = (message: string) => new ImageRequestError(400, message);

/** Whether the Content-Type is one of the PATCH media types (webob compares what precedes `;`). */
export function isImagePatchMediaType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';', 1)[0];
  return mediaType !== undefined && Object.hasOwn(IMAGE_PATCH_MEDIA_TYPES, mediaType);
}

/**
 * Parses a PATCH body. `contentType` is the request's Content-Type header as sent; webob compares
 * what precedes the first `;`, exactly (no trimming, case-sensitive).
 */
export function parseImagePatch(contentType: string | undefined, body: unknown): ImagePatchOperation[] {
  const mediaType = contentType?.split(';', 1)[0];
  const version =
    mediaType !== undefined && Object.hasOwn(IMAGE_PATCH_MEDIA_TYPES, mediaType)
      ? IMAGE_PATCH_MEDIA_TYPES[mediaType]
      : undefined;
  if (version === undefined) {
    // webob's 415 names the header as sent; without one, its template keeps the placeholder.
    throw new ImageRequestError(
      415,
      `The request media type ${contentType ?? '${CONTENT_TYPE}'} is not supported by this server.`,
      { 'Accept-Patch': ACCEPT_PATCH },
    );
  }
  if (body === undefined) throw badRequest('Body expected in request.');
  if (typeof body !== 'object' || body === null)
    throw badRequest('Unexpected body type. Expected list/dict.');
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of operation objects.');

  return body.map((raw: unknown) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw badRequest('Operations must be JSON objects.');
    }
    const change = raw as Record<string, unknown>;
    const op = version === 10 ? operationOfV21(change) : operationOfV20(change);
    const pointer = version === 10 ? pathOfV21(change) : change[op];
    const path = decodeJsonPointer(pointer);
    validatePathDepth(op, path);
    const operation: ImagePatchOperation = { op, path, jsonSchemaVersion: version };
    if (op !== 'remove') {
      if (!Object.hasOwn(change, 'value'))
        throw badRequest(`Operation "${op}" requires a member named "value".`);
      operation.value = change.value;
    }
    validateChange(operation);
    return operation;
  });
}

function operationOfV21(change: Record<string, unknown>): ImagePatchOp {
  const op = change.op;
  const available = SUPPORTED_OPERATIONS.join(', ');
  if (op === undefined || op === null) {
    throw badRequest(
      `Unable to find \`op\` in JSON Schema change. It must be one of the following: ${available}.`,
    );
  }
  if (!(SUPPORTED_OPERATIONS as readonly unknown[]).includes(op)) {
    throw badRequest(`Invalid operation: \`${pyStr(op)}\`. It must be one of the following: ${available}.`);
  }
  return op as ImagePatchOp;
}

function pathOfV21(change: Record<string, unknown>): unknown {
  if (!Object.hasOwn(change, 'path')) throw badRequest("Unable to find 'path' in JSON Schema change");
  return change.path;
}

function operationOfV20(change: Record<string, unknown>): ImagePatchOp {
  const present = SUPPORTED_OPERATIONS.filter((op) => Object.hasOwn(change, op));
  if (present.length > 1) {
    throw badRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
  }
  if (present.length === 0) {
    throw badRequest(
      'Operation objects must contain exactly one member named "add", "remove", or "replace".',
    );
  }
  return present[0];
}

const ADJACENT_SLASHES = new RegExp(`/[${PY_WHITESPACE_CLASS}]*?/`);

/**
 * Glance's `_decode_json_pointer`: its own checks of the pointer, then the tokens with `~1` and
 * `~0` decoded and surrounding whitespace stripped. Leading slashes are all dropped, so `//name`
 * is `/name`.
 */
export function decodeJsonPointer(pointer: unknown): string[] {
  // Glance fails with a 500 on a pointer that is not a string; the pointer check says why.
  const text = pyStr(pointer);
  if (typeof pointer !== 'string' || !text.startsWith('/')) {
    throw badRequest(`Pointer \`${text}\` does not start with "/".`);
  }
  if (ADJACENT_SLASHES.test(text.slice(1))) throw badRequest(`Pointer \`${text}\` contains adjacent "/".`);
  if (text.length > 1 && text.endsWith('/')) throw badRequest(`Pointer \`${text}\` end with "/".`);
  if (pyStrip(text.slice(1)) === '/') throw badRequest(`Pointer \`${text}\` does not contains valid token.`);
  if (/~[^01]/u.test(text) || text.endsWith('~')) {
    throw badRequest(`Pointer \`${text}\` contains "~" not part of a recognized escape sequence.`);
  }
  return text
    .replace(/^\/+/, '')
    .split('/')
    .map((token) => pyStrip(token.replaceAll('~1', '/').replaceAll('~0', '~')));
}

/** `_validate_path`: one level, except `/locations/N` for add and remove. */
function validatePathDepth(op: ImagePatchOp, path: readonly string[]): void {
  const allowed = path[0] === 'locations' && op !== 'replace' ? 2 : 1;
  if (path.length !== allowed)
    throw badRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
}

/** `_validate_change`: read-only and reserved names, then the value against the image schema. */
function validateChange(operation: ImagePatchOperation): void {
  const root = operation.path[0];
  if (READ_ONLY_ON_UPDATE.includes(root)) throw readOnlyError(root);
  if (isReservedName(root)) throw reservedError(root);
  if (operation.op === 'remove') return;
  if (operation.path.length === 1) {
    validateImageSchema({ [root]: operation.value });
  } else if (
    (IMAGE_VALIDATION_SCHEMA.properties as Record<string, { type?: unknown }>)[root]?.type === 'array'
  ) {
    // `/locations/N` adds one element: Glance checks it as a one-element list.
    validateImageSchema({ [root]: [operation.value] });
  }
}

/**
 * Applies parsed operations to an image as ImagesController.update does, in order, refusing with
 * Glance's status and message where it would. Operations not produced by parseImagePatch are
 * checked the same way first.
 */
export function applyImagePatch(
  image: ImageRecord,
  operations: readonly ImagePatchOperation[],
  options: ImagePatchOptions = {},
): ImagePatchResult {
  const core: Partial<ImageCore> = {};
  const properties = new Map<string, string | null>(Object.entries(image.properties));
  let tags = [...image.tags];
  const changedKeys: string[] = [];
  const touch = (name: string) => {
    if (!changedKeys.includes(name)) changedKeys.push(name);
  };

  let locations: LocationPatchResult | undefined;

  for (const operation of operations) {
    validateChange(operation);
    const root = operation.path[0];
    if (root === 'locations') {
      if (!options.locations) refuseLocationChange(operation);
      refuseEmptyLocations(operation);
      locations ??= initialLocationState(image.locations.filter((location) => location.status === 'active'));
      applyLocationOperation(image, locations, operation, options.locations.hashingAlgorithm);
      touch(root);
      continue;
    }
    const version = operation.jsonSchemaVersion ?? 10;
    const isCore = root === 'tags' || isWritableCoreAttribute(root);
    if (root === 'owner' && operation.op !== 'remove' && !options.isAdmin) {
      throw new ImageRequestError(403, "Owner can't be updated by non admin.");
    }

    switch (operation.op) {
      case 'replace':
        if (!isCore && !properties.has(root))
          throw new ImageRequestError(409, `Property ${root} does not exist.`);
        break;
      case 'add':
        if (version === 4 && (isCore || properties.has(root))) {
          throw new ImageRequestError(409, `Property ${root} already present.`);
        }
        break;
      case 'remove':
        if (isCore) throw new ImageRequestError(403, `Property ${root} may not be removed.`);
        if (!properties.has(root)) throw new ImageRequestError(409, `Property ${root} does not exist.`);
        properties.delete(root);
        touch(root);
        continue;
    }

    if (root === 'tags') {
      const given = operation.value as string[];
      enforceTagQuota(given, options);
      tags = uniqueTags(given);
    } else if (isWritableCoreAttribute(root)) {
      setCoreAttribute(image, core, root, operation.value);
    } else {
      properties.set(root, operation.value as string | null);
    }
    touch(root);
  }

  const originalNames = new Set(Object.keys(image.properties));
  if ([...properties.keys()].some((name) => !originalNames.has(name)))
    enforcePropertyQuota(properties.size, options);
  const originalTags = new Set(image.tags);
  checkDatabaseConstraints({
    id: image.id,
    core: { ...pickCore(image), ...core },
    properties,
    newTags: tags.filter((tag) => !originalTags.has(tag)),
  });

  const result: Record<string, string> = {};
  // A null (kernel_id / ramdisk_id may be null) leaves the property unset: properties hold strings.
  for (const [name, value] of properties) if (value !== null) dictSet(result, name, value);
  return { core, properties: result, tags, changedKeys, ...(locations ? { locations } : {}) };
}

/** Emptying the list is refused whether or not locations are visible (Glance's `_do_replace`). */
function refuseEmptyLocations(operation: ImagePatchOperation): void {
  const value = operation.value;
  // Python's `not value`: None and an empty list alike.
  if (operation.op === 'replace' && (!value || (Array.isArray(value) && value.length === 0))) {
    throw new ImageRequestError(403, 'Cannot set locations to empty list.');
  }
}

/** Glance refuses every location change while `show_multiple_locations` is off (its default). */
function refuseLocationChange(operation: ImagePatchOperation): never {
  refuseEmptyLocations(operation);
  const verb = { replace: 'update', add: 'add', remove: 'remove' }[operation.op];
  throw new ImageRequestError(403, `It's not allowed to ${verb} locations if locations are invisible.`);
}

/** The domain Image's setters: formats only while queued (or importing), no negative sizes. */
function setCoreAttribute(
  image: ImageRecord,
  core: Partial<ImageCore>,
  name: keyof typeof WRITABLE_CORE_ATTRIBUTES,
  value: unknown,
): void {
  if (
    (name === 'disk_format' || name === 'container_format') &&
    !['queued', 'importing'].includes(image.status)
  ) {
    throw new ImageRequestError(403, `Attribute ${name} can be only replaced for a queued image.`);
  }
  if ((name === 'min_disk' || name === 'min_ram') && typeof value === 'number') checkNotNegative(name, value);
  (core as Record<string, unknown>)[WRITABLE_CORE_ATTRIBUTES[name]] = value;
}

function pickCore(image: ImageRecord): ImageCore {
  return Object.fromEntries(IMAGE_CORE_KEYS.map((key) => [key, image[key]])) as unknown as ImageCore;
}
