import { type ImageCore, IMAGE_CORE_DEFAULTS } from '@glance-ts/db';
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
import { dictSet, pyLen } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';
import { validateImageSchema } from './image-schema';

/**
 * POST /v2/images: the body as Glance's RequestDeserializer.create, its image factory (read-only
 * and reserved attributes, the tag quota, the domain's value checks) and its repository (the
 * property quota, the database's checks) would take it — everything but the policy checks, which
 * need the caller and come from the service.
 *
 * Glance checks in this order, and so does this: body type; `direct_url`, `self`, `file`,
 * `schema`, `stores` (403 read-only); the image schema (400); each custom property's name — longer
 * than 255 characters (400), reserved (403); [the service's add_image policy comes here in Glance];
 * the tag quota (413); the read-only columns (403); `locations` (403 reserved); negative min_disk /
 * min_ram (400); the property quota (413); the database checks (400).
 *
 * Defaults are the service's to apply, as Glance's image factory does: status `queued`, name null,
 * visibility `shared` (Glance's default since Ocata, not `private`), protected and os_hidden false,
 * min_disk and min_ram 0, owner the caller's project.
 */

export interface ImageCreateRequest {
  /** The id the caller chose (a UUID, as the schema's pattern requires), if any. */
  id?: string;
  /** The columns the caller set. `owner` may name another project: the service decides. */
  core: Partial<ImageCore>;
  /** Custom properties, in body order. */
  properties: Record<string, string>;
  /** Unique, in first-seen order. */
  tags: string[];
}

/** RequestDeserializer._disallowed_properties, checked before anything else. */
const DISALLOWED_ON_CREATE = ['direct_url', 'self', 'file', 'schema', 'stores'];
/**
 * The image factory's read-only attributes, in its order. Glance's deserializer passes only the
 * columns among them to the factory and lets `os_hash_algo` / `os_hash_value` through as custom
 * properties (stored, and then shadowed by the real columns in every view); they are refused here.
 */
const READ_ONLY_ON_CREATE = [
  'created_at',
  'updated_at',
  'status',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'size',
  'virtual_size',
];
/** The image factory's reserved names that can reach it as custom properties. */
const RESERVED_ON_CREATE = ['locations'];
const MAX_PROPERTY_NAME_LENGTH = 255;

export function parseCreateImageBody(body: unknown, quotas: ImageQuotas = {}): ImageCreateRequest {
  if (body === undefined) throw new ImageRequestError(400, 'Body expected in request.');
  if (typeof body !== 'object' || body === null) {
    throw new ImageRequestError(400, 'Unexpected body type. Expected list/dict.');
  }
  // Glance answers a list with a 500 (it calls dict methods on it); a 400 says what is wrong.
  if (Array.isArray(body)) throw new ImageRequestError(400, 'Request body must be a JSON object.');
  const attributes = body as Record<string, unknown>;

  for (const name of DISALLOWED_ON_CREATE) if (Object.hasOwn(attributes, name)) throw readOnlyError(name);
  validateImageSchema(attributes);

  const customNames = Object.keys(attributes).filter(
    (name) =>
      name !== 'tags' &&
      name !== 'id' &&
      !isWritableCoreAttribute(name) &&
      !READ_ONLY_ON_CREATE.includes(name),
  );
  for (const name of customNames) {
    if (pyLen(name) > MAX_PROPERTY_NAME_LENGTH) {
      throw new ImageRequestError(400, 'Custom property should not be greater than 255 characters.');
    }
    if (isReservedName(name)) throw reservedError(name);
  }

  const givenTags = (attributes.tags ?? []) as string[];
  enforceTagQuota(givenTags, quotas);
  for (const name of READ_ONLY_ON_CREATE) if (Object.hasOwn(attributes, name)) throw readOnlyError(name);
  for (const name of RESERVED_ON_CREATE) if (Object.hasOwn(attributes, name)) throw reservedError(name);

  const core: Partial<ImageCore> = {};
  for (const [name, key] of Object.entries(WRITABLE_CORE_ATTRIBUTES)) {
    if (Object.hasOwn(attributes, name)) (core as Record<string, unknown>)[key] = attributes[name];
  }
  if (core.minDisk !== undefined) checkNotNegative('min_disk', core.minDisk);
  if (core.minRam !== undefined) checkNotNegative('min_ram', core.minRam);

  // kernel_id and ramdisk_id may be null by the schema; properties hold strings, so null means
  // "not set" here (Glance stores a NULL property and shows it as null).
  const storedProperties = new Map(customNames.map((name) => [name, attributes[name] as string | null]));
  enforcePropertyQuota(storedProperties.size, quotas);

  const tags = uniqueTags(givenTags);
  const id = attributes.id as string | undefined;
  checkDatabaseConstraints({
    id: id ?? '',
    core: { ...IMAGE_CORE_DEFAULTS, ...core },
    properties: storedProperties,
    newTags: tags,
  });

  const properties: Record<string, string> = {};
  for (const [name, value] of storedProperties) if (value !== null) dictSet(properties, name, value);
  const request: ImageCreateRequest = { core, properties, tags };
  if (id !== undefined) request.id = id;
  return request;
}
