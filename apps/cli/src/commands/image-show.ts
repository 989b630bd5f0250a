// glance image-show <IMAGE_ID> [--human-readable] [--max-column-width N]: the image as
// glanceclient's Property/Value table, or as one openstackclient-style record with -f/-c.
import { ImageCommand } from '../image-command';
import { type OptionSpec, parsePythonInt } from '../lib/argparse';
import { oclifArgs, oclifFlags } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';
import { OUTPUT_OPTIONS, outputFlags, tableFitWidth } from '../lib/output/output-flags';

const OPTIONS: OptionSpec[] = [
  {
    name: 'human-readable',
    dest: 'human_readable',
    action: 'store_true',
    help: 'Print image size in a human-friendly format.',
  },
  {
    name: 'max-column-width',
    dest: 'max_column_width',
    action: 'store',
    metavar: '<integer>',
    help: 'The max column width of the printed table.',
  },
];
const POSITIONALS = [{ dest: 'id', metavar: '<IMAGE_ID>', help: 'ID of image to describe.' }];

export default class ImageShow extends ImageCommand {
  static override description = 'Describe a specific image.';
  static override flags = { ...oclifFlags(OPTIONS), ...outputFlags };
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: [...OPTIONS, ...OUTPUT_OPTIONS],
      positionals: POSITIONALS,
    });
    const api = await this.imagesApi(global);
    const image = await api.get(values.id as string);
    const humanReadable = values.human_readable as boolean;

    let maxColumnWidth: number | bigint;
    try {
      // As glanceclient: int(args.max_column_width), only once the image is there.
      maxColumnWidth = parsePythonInt((values.max_column_width as string | undefined) ?? '80');
    } catch (error) {
      throw new CliError((error as Error).message);
    }

    const { imageText } = await import('../lib/images/image-output');
    this.writeOut(
      await imageText(image, format, columns, { humanReadable, maxColumnWidth, fitWidth: tableFitWidth() }),
    );
  }
}
