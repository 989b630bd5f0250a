// The options image-create and image-update have besides the schema's, and the schema properties
// they offer no option for (glanceclient 4.1's do_image_create / do_image_update decorators).
// Kept apart from image-fields.ts: command modules load this at start-up, the rest on demand.
import { BOOL_FROM_STRING, type OptionSpec } from '../argparse';

/** Schema properties image-create offers no option for (read-only ones, and os_hidden: --hidden). */
export const CREATE_OMITTED_PROPERTIES = [
  'created_at',
  'updated_at',
  'file',
  'checksum',
  'virtual_size',
  'size',
  'status',
  'schema',
  'direct_url',
  'locations',
  'self',
  'os_hidden',
  'os_hash_value',
  'os_hash_algo',
];

/** image-update also leaves out id (the positional) and tags (image-tag-update's job). */
export const UPDATE_OMITTED_PROPERTIES = [
  'id',
  'locations',
  'created_at',
  'updated_at',
  'file',
  'checksum',
  'virtual_size',
  'size',
  'status',
  'schema',
  'direct_url',
  'tags',
  'self',
  'os_hidden',
  'os_hash_value',
  'os_hash_algo',
];

/** --hidden: os_hidden under a friendlier name, one True/False value (strutils.bool_from_string). */
export const HIDDEN_OPTION: OptionSpec = {
  name: 'hidden',
  dest: 'os_hidden',
  action: 'store',
  type: BOOL_FROM_STRING,
  metavar: '[True|False]',
  help: 'If true, image will not appear in default image list response.',
};

export const PROPERTY_OPTION: OptionSpec = {
  name: 'property',
  action: 'append',
  metavar: '<key=value>',
  help: 'Arbitrary property to associate with image. May be used multiple times.',
};

/** image-list's --sort-key and --sort-dir choices (glanceclient's v2/images.py). */
export const SORT_KEY_VALUES = [
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
] as const;
export const SORT_DIR_VALUES = ['asc', 'desc'] as const;
