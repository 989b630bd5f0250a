/**
 * `GET /v2/schemas/image` and `/v2/schemas/images`: JSON Schema documents Glance serves and
 * python-glanceclient reads at start-up to build its image commands (it falls back to the v1 API
 * when it cannot fetch one). Property names, types, enums and descriptions follow Glance HEAD.
 *
 * Deliberately absent: `stores`. glanceclient 4.1 turns every schema property into an option of
 * image-create and already has its own `--stores`, so a cached schema with `stores` breaks every
 * later command ("conflicting option string: --stores"). Image bodies still carry `stores`; the
 * schema's `additionalProperties` (strings) covers it.
 */
const UUID_PATTERN =
  '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

export const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const IMAGE_STATUSES = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'uploading',
  'importing',
  'pending_delete',
  'deactivated',
] as const;
export const IMAGE_VISIBILITIES = ['public', 'private', 'community', 'shared'] as const;

const nullableString = (description: string, extra: Record<string, unknown> = {}) => ({
  type: ['null', 'string'],
  description,
  ...extra,
});
const readOnly = <T extends object>(schema: T) => ({ ...schema, readOnly: true });

export const IMAGE_SCHEMA = {
  name: 'image',
  properties: {
    id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
    name: nullableString('Descriptive name for the image', { maxLength: 255 }),
    status: readOnly({ type: 'string', description: 'Status of the image', enum: [...IMAGE_STATUSES] }),
    visibility: {
      type: 'string',
      description: 'Scope of image accessibility',
      enum: [...IMAGE_VISIBILITIES],
    },
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: {
      type: 'boolean',
      description: 'If true, image will not appear in default image list response.',
    },
    checksum: readOnly(nullableString('md5 hash of image contents.', { maxLength: 32 })),
    os_hash_algo: readOnly(nullableString('Algorithm to calculate the os_hash_value', { maxLength: 64 })),
    os_hash_value: readOnly(
      nullableString('Hexdigest of the image contents using the algorithm specified by the os_hash_algo', {
        maxLength: 128,
      }),
    ),
    owner: nullableString('Owner of the image', { maxLength: 255 }),
    size: readOnly({ type: ['null', 'integer'], description: 'Size of image file in bytes' }),
    virtual_size: readOnly({ type: ['null', 'integer'], description: 'Virtual size of image in bytes' }),
    container_format: nullableString('Format of the container', { enum: [null, ...CONTAINER_FORMATS] }),
    disk_format: nullableString('Format of the disk', { enum: [null, ...DISK_FORMATS] }),
    created_at: readOnly({ type: 'string', description: 'Date and time of image registration' }),
    updated_at: readOnly({ type: 'string', description: 'Date and time of the last image modification' }),
    tags: {
      type: 'array',
      description: 'List of strings related to the image',
      items: { type: 'string', maxLength: 255 },
    },
    direct_url: readOnly({
      type: 'string',
      description: 'URL to access the image file kept in external store',
    }),
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
    self: readOnly({ type: 'string', description: 'An image self url' }),
    file: readOnly({ type: 'string', description: 'An image file url' }),
    schema: readOnly({ type: 'string', description: 'An image schema url' }),
    locations: {
      type: 'array',
      description: 'A set of URLs to access the image file kept in external store',
      items: {
        type: 'object',
        properties: { url: { type: 'string', maxLength: 255 }, metadata: { type: 'object' } },
        required: ['url', 'metadata'],
      },
    },
    kernel_id: nullableString(
      'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.',
      { pattern: UUID_PATTERN, is_base: false },
    ),
    ramdisk_id: nullableString(
      'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.',
      { pattern: UUID_PATTERN, is_base: false },
    ),
    instance_uuid: {
      type: 'string',
      description:
        'Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)',
      is_base: false,
    },
    architecture: {
      type: 'string',
      description:
        'Operating system architecture as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',
      is_base: false,
    },
    os_distro: {
      type: 'string',
      description:
        'Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',
      is_base: false,
    },
    os_version: {
      type: 'string',
      description: 'Operating system version as specified by the distributor.',
      is_base: false,
    },
  },
  additionalProperties: { type: 'string' },
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'enclosure', href: '{file}' },
    { rel: 'describedby', href: '{schema}' },
  ],
} as const;

export const IMAGES_SCHEMA = {
  name: 'images',
  properties: {
    images: { type: 'array', items: IMAGE_SCHEMA },
    schema: { type: 'string' },
    first: { type: 'string' },
    next: { type: 'string' },
  },
  links: [
    { rel: 'first', href: '{first}' },
    { rel: 'next', href: '{next}' },
    { rel: 'describedby', href: '{schema}' },
  ],
} as const;
