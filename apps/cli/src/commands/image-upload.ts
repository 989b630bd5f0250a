// glance image-upload <IMAGE_ID> [--file FILE | stdin] [--size N] [--progress] [--store S]:
// streams the data to PUT /v2/images/{id}/file. Prints nothing, as glanceclient.
import { ImageCommand } from '../image-command';
import { INT, type OptionSpec } from '../lib/argparse';
import { oclifArgs, oclifFlags } from '../lib/argparse-oclif';

const OPTIONS: OptionSpec[] = [
  {
    name: 'file',
    action: 'store',
    metavar: '<FILE>',
    help:
      'Local file that contains disk image to be uploaded. Alternatively, images can be passed to the ' +
      'client via stdin.',
  },
  {
    name: 'size',
    action: 'store',
    type: INT,
    metavar: '<IMAGE_SIZE>',
    help:
      'Size in bytes of image to be uploaded. Default is to get size from provided data object but this ' +
      'is supported in case where size cannot be inferred.',
  },
  { name: 'progress', action: 'store_true', help: 'Show upload progress bar.' },
  { name: 'store', action: 'store', metavar: '<STORE>', help: 'Backend store to upload image to.' },
];
const POSITIONALS = [{ dest: 'id', metavar: '<IMAGE_ID>', help: 'ID of image to upload data to.' }];

export default class ImageUpload extends ImageCommand {
  static override description = 'Upload data for a specific image.';
  static override flags = oclifFlags(OPTIONS);
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global } = this.parseCommandLine({ options: OPTIONS, positionals: POSITIONALS });
    const store = (values.store as string | undefined) ?? (process.env.OS_IMAGE_STORE || undefined);
    const { openDataSource } = await import('../lib/images/image-data');
    const { checkStore, uploadImageData } = await import('../lib/images/image-upload');
    const api = await this.imagesApi(global);
    if (store) await checkStore(api, store);
    // No --file and stdin a terminal: glanceclient uploads an empty body, and so do we.
    const data = openDataSource((values.file as string | undefined) || undefined);
    const size = values.size === undefined ? undefined : Number(values.size);
    await uploadImageData(api, values.id as string, data, {
      progress: Boolean(values.progress),
      store,
      sizeHint: size !== undefined && size > 0 ? size : undefined,
    });
  }
}
