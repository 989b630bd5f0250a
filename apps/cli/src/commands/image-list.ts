// glance image-list: the images the caller can see, page by page, as glanceclient's ID/Name table
// (more columns with --verbose and --include-stores), or as openstackclient-style rows with -f/-c.
import { ImageCommand } from '../image-command';
import { BOOL_FROM_STRING, INT, type OptionSpec } from '../lib/argparse';
import { oclifFlags } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';
import { SORT_DIR_VALUES, SORT_KEY_VALUES } from '../lib/images/image-options';
import { OUTPUT_OPTIONS, outputFlags, tableFitWidth } from '../lib/output/output-flags';

const OPTIONS: OptionSpec[] = [
  { name: 'limit', action: 'store', type: INT, metavar: '<LIMIT>', help: 'Maximum number of images to get.' },
  {
    name: 'page-size',
    dest: 'page_size',
    action: 'store',
    type: INT,
    metavar: '<SIZE>',
    help: 'Number of images to request in each paginated request.',
  },
  {
    name: 'visibility',
    action: 'store',
    metavar: '<VISIBILITY>',
    help: 'The visibility of the images to display.',
  },
  {
    name: 'member-status',
    dest: 'member_status',
    action: 'store',
    metavar: '<MEMBER_STATUS>',
    help: 'The status of images to display.',
  },
  { name: 'owner', action: 'store', metavar: '<OWNER>', help: 'Display images owned by <OWNER>.' },
  {
    name: 'property-filter',
    dest: 'properties',
    action: 'append',
    metavar: '<KEY=VALUE>',
    help: 'Filter images by a user-defined image property.',
  },
  {
    name: 'checksum',
    action: 'store',
    metavar: '<CHECKSUM>',
    help: 'Displays images that match the MD5 checksum.',
  },
  {
    name: 'hash',
    dest: 'os_hash_value',
    action: 'store',
    metavar: '<HASH_VALUE>',
    help: 'Displays images that match the specified hash value.',
  },
  { name: 'tag', action: 'append', metavar: '<TAG>', help: 'Filter images by a user-defined tag.' },
  {
    name: 'sort-key',
    dest: 'sort_key',
    action: 'append',
    choices: SORT_KEY_VALUES,
    help: 'Sort image list by specified fields. May be used multiple times.',
  },
  {
    name: 'sort-dir',
    dest: 'sort_dir',
    action: 'append',
    choices: SORT_DIR_VALUES,
    help: 'Sort image list in specified directions.',
  },
  {
    name: 'sort',
    action: 'store',
    metavar: '<key>[:<direction>]',
    help:
      'Comma-separated list of sort keys and directions in the form of <key>[:<asc|desc>]. ' +
      `Valid keys: ${SORT_KEY_VALUES.join(', ')}. OPTIONAL.`,
  },
  {
    name: 'hidden',
    dest: 'os_hidden',
    action: 'store',
    nargs: '?',
    constValue: true,
    type: BOOL_FROM_STRING,
    metavar: '[True|False]',
    help: 'Filters results by hidden status. Default=None.',
  },
  {
    name: 'include-stores',
    dest: 'include_stores',
    action: 'store',
    nargs: '?',
    constValue: true,
    type: BOOL_FROM_STRING,
    metavar: '[True|False]',
    help: 'Print backend store id.',
  },
];

/** The query filters glanceclient sends, in its order; booleans as Python prints them. */
const FILTER_KEYS = ['visibility', 'member_status', 'owner', 'checksum', 'os_hidden', 'os_hash_value'];

export default class ImageList extends ImageCommand {
  static override description = 'List images you can access.';
  static override flags = { ...oclifFlags(OPTIONS), ...outputFlags };

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: [...OPTIONS, ...OUTPUT_OPTIONS],
      positionals: [],
    });

    const filters = new Map<string, string>();
    for (const key of FILTER_KEYS) {
      const value = values[key];
      if (value !== undefined)
        filters.set(key, typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value));
    }
    for (const property of (values.properties as string[] | undefined) ?? []) {
      const equals = property.indexOf('=');
      if (equals < 0)
        throw new CliError('Argument --property-filter expected properties in the format KEY=VALUE');
      filters.set(property.slice(0, equals), property.slice(equals + 1));
    }

    let sortKeys = (values.sort_key as string[] | undefined) ?? [];
    let sortDirs = (values.sort_dir as string[] | undefined) ?? [];
    const sort = values.sort as string | undefined;
    if (sort === undefined && sortKeys.length === 0 && sortDirs.length === 0) {
      // glanceclient's default order.
      sortKeys = ['name'];
      sortDirs = ['asc'];
    }

    const api = await this.imagesApi(global);
    const images = await api.list({
      filters: [...filters],
      tags: (values.tag as string[] | undefined) ?? [],
      limit: values.limit === undefined ? undefined : Number(values.limit),
      pageSize: values.page_size === undefined ? undefined : Number(values.page_size),
      sortKeys,
      sortDirs,
      sort,
    });

    const { imageListColumns, imageListOutput, printImageList } = await import('../lib/images/image-output');
    const { renderList, selectColumns } = await import('../lib/output/formatters');
    const listColumns = imageListColumns(Boolean(global.verbose), Boolean(values.include_stores));
    if (format === undefined) {
      this.writeOut(printImageList(images, listColumns) + '\n');
      return;
    }
    const listing = selectColumns(imageListOutput(images, listColumns), columns);
    this.writeOut(await renderList(format, listing, { fitWidth: tableFitWidth() }));
  }
}
