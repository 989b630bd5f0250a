// glance image-create [schema options] [--property k=v] [--file FILE | stdin] [--store S] [--progress]:
// creates the image record (POST /v2/images) and, when data is given, uploads it (PUT .../file),
// then prints the image as glanceclient does — even when the upload failed, before the error.
import { accessSync, constants } from 'node:fs';
import { helpSchemaOptions, ImageCommand } from '../image-command';
import type { OptionSpec } from '../lib/argparse';
import { oclifFlags } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';
import { CREATE_OMITTED_PROPERTIES, HIDDEN_OPTION, PROPERTY_OPTION } from '../lib/images/image-options';
import { OUTPUT_OPTIONS, outputFlags, tableFitWidth } from '../lib/output/output-flags';

const OWN_OPTIONS: OptionSpec[] = [
  HIDDEN_OPTION,
  PROPERTY_OPTION,
  {
    name: 'file',
    action: 'store',
    metavar: '<FILE>',
    help:
      'Local file that contains disk image to be uploaded during creation. Alternatively, the image data ' +
      'can be passed to the client via stdin.',
  },
  { name: 'progress', action: 'store_true', help: 'Show upload progress bar.' },
  { name: 'store', action: 'store', metavar: '<STORE>', help: 'Backend store to upload image to.' },
];

/** glanceclient's on_data_require_fields: data needs both formats. */
const REQUIRED_WITH_DATA = ['disk_format', 'container_format'];

export default class ImageCreate extends ImageCommand {
  static override description = 'Create a new image.';
  static override flags = {
    ...oclifFlags([...helpSchemaOptions(OWN_OPTIONS, CREATE_OMITTED_PROPERTIES), ...OWN_OPTIONS]),
    ...outputFlags,
  };

  async run(): Promise<void> {
    const commandLine = await this.parseWithImageSchema(
      [...OWN_OPTIONS, ...OUTPUT_OPTIONS],
      [],
      CREATE_OMITTED_PROPERTIES,
    );
    const { values, api, schema } = commandLine;
    const { openDataSource, stdinHasData } = await import('../lib/images/image-data');
    const { imageFields, validateImageFields } = await import('../lib/images/image-fields');
    const { imageText } = await import('../lib/images/image-output');
    const { checkStore, uploadImageData } = await import('../lib/images/image-upload');
    const file = values.file as string | undefined;
    const store = (values.store as string | undefined) ?? (process.env.OS_IMAGE_STORE || undefined);

    const hasData = Boolean(file) || stdinHasData();
    if (hasData) {
      const missing = REQUIRED_WITH_DATA.filter((field) => !values[field]);
      if (missing.length > 0) {
        const options = missing.map((field) => `--${field.replace(/_/g, '-')}`).join(', ');
        throw new CliError(`error: Must provide ${options} when using ${file ? '--file' : 'stdin'}.`);
      }
    }

    const fields = imageFields(values, [...commandLine.schemaDests, HIDDEN_OPTION.dest!], schema);
    if (store && !file && !stdinHasData())
      throw new CliError('--store option should only be provided with --file option or stdin.');
    if (store) await checkStore(api, store);
    if (file !== undefined && !isReadable(file))
      throw new CliError(`File ${file} does not exist or user does not have read privileges to it`);
    validateImageFields(schema, fields);

    let image = await api.create(fields);
    try {
      // glanceclient uploads when get_data_file() gives something: a non-empty --file, or stdin.
      const data = openDataSource(file || undefined);
      if (data !== undefined) {
        await uploadImageData(api, image.json.id, data, { progress: Boolean(values.progress), store });
        image = await api.get(image.json.id);
      }
    } finally {
      this.writeOut(
        await imageText(image, commandLine.format, commandLine.columns, { fitWidth: tableFitWidth() }),
      );
    }
  }
}

/** os.access(path, os.R_OK). */
function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
