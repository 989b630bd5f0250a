// python-glanceclient 4.1's built-in image schema (glanceclient/v2/image_schema.py _BASE_SCHEMA),
// property order kept: glanceclient builds image-create's and image-update's options from it until
// it has cached the server's schema, and lists them in reverse property order.
import type { JsonSchema } from './image-schema';

export const BASE_IMAGE_SCHEMA: JsonSchema = {
  additionalProperties: {
    type: 'string',
  },
  name: 'image',
  links: [
    {
      href: '{self}',
      rel: 'self',
    },
    {
      href: '{file}',
      rel: 'enclosure',
    },
    {
      href: '{schema}',
      rel: 'describedby',
    },
  ],
  properties: {
    container_format: {
      enum: [null, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker'],
      type: ['null', 'string'],
      description: 'Format of the container',
    },
    min_ram: {
      type: 'integer',
      description: 'Amount of ram (in MB) required to boot image.',
    },
    ramdisk_id: {
      pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
      type: ['null', 'string'],
      description:
        'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.',
      is_base: false,
    },
    locations: {
      items: {
        required: ['url', 'metadata'],
        type: 'object',
        properties: {
          url: {
            type: 'string',
            maxLength: 255,
          },
          metadata: {
            type: 'object',
          },
        },
      },
      type: 'array',
      description: 'A set of URLs to access the image file kept in external store',
    },
    file: {
      readOnly: true,
      type: 'string',
      description: 'An image file url',
    },
    owner: {
      type: ['null', 'string'],
      description: 'Owner of the image',
      maxLength: 255,
    },
    id: {
      pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
      type: 'string',
      description: 'An identifier for the image',
    },
    size: {
      readOnly: true,
      type: ['null', 'integer'],
      description: 'Size of image file in bytes',
    },
    os_distro: {
      type: 'string',
      description:
        'Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',
      is_base: false,
    },
    self: {
      readOnly: true,
      type: 'string',
      description: 'An image self url',
    },
    disk_format: {
      enum: [null, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'],
      type: ['null', 'string'],
      description: 'Format of the disk',
    },
    os_version: {
      type: 'string',
      description: 'Operating system version as specified by the distributor',
      is_base: false,
    },
    direct_url: {
      readOnly: true,
      type: 'string',
      description: 'URL to access the image file kept in external store',
    },
    schema: {
      readOnly: true,
      type: 'string',
      description: 'An image schema url',
    },
    status: {
      readOnly: true,
      enum: [
        'queued',
        'saving',
        'active',
        'killed',
        'deleted',
        'uploading',
        'importing',
        'pending_delete',
        'deactivated',
      ],
      type: 'string',
      description: 'Status of the image',
    },
    tags: {
      items: {
        type: 'string',
        maxLength: 255,
      },
      type: 'array',
      description: 'List of strings related to the image',
    },
    kernel_id: {
      pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
      type: ['null', 'string'],
      description:
        'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.',
      is_base: false,
    },
    visibility: {
      enum: ['public', 'private', 'community', 'shared'],
      type: 'string',
      description: 'Scope of image accessibility',
    },
    updated_at: {
      readOnly: true,
      type: 'string',
      description: 'Date and time of the last image modification',
    },
    min_disk: {
      type: 'integer',
      description: 'Amount of disk space (in GB) required to boot image.',
    },
    virtual_size: {
      readOnly: true,
      type: ['null', 'integer'],
      description: 'Virtual size of image in bytes',
    },
    instance_uuid: {
      type: 'string',
      description:
        'Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)',
      is_base: false,
    },
    name: {
      type: ['null', 'string'],
      description: 'Descriptive name for the image',
      maxLength: 255,
    },
    checksum: {
      readOnly: true,
      type: ['null', 'string'],
      description: 'md5 hash of image contents.',
      maxLength: 32,
    },
    os_hash_algo: {
      readOnly: true,
      type: ['null', 'string'],
      description: 'Algorithm to calculate os_hash_value',
      maxLength: 32,
    },
    os_hash_value: {
      readOnly: true,
      type: ['null', 'string'],
      description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo',
      maxLength: 32,
    },
    created_at: {
      readOnly: true,
      type: 'string',
      description: 'Date and time of image registration',
    },
    protected: {
      type: 'boolean',
      description: 'If true, image will not be deletable.',
    },
    os_hidden: {
      type: 'boolean',
      description: 'If true, image will not appear in default image list response.',
    },
    architecture: {
      type: 'string',
      description:
        'Operating system architecture as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',
      is_base: false,
    },
  },
};
