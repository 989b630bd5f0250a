// glance image-tag-update <IMAGE_ID> <TAG_VALUE>: adds the tag, then prints the image's ID and
// tags as glanceclient's one-row table (or as a row for -f/-c).
import { ImageCommand } from '../image-command';
import { oclifArgs } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';
import type { Cell } from '../lib/output/formatters';
import { OUTPUT_OPTIONS, outputFlags, tableFitWidth } from '../lib/output/output-flags';

const POSITIONALS = [
  { dest: 'image_id', metavar: '<IMAGE_ID>', help: 'Image to be updated with the given tag.' },
  { dest: 'tag_value', metavar: '<TAG_VALUE>', help: 'Value of the tag.' },
];

export default class ImageTagUpdate extends ImageCommand {
  static override description = 'Update an image with the given tag.';
  static override flags = { ...outputFlags };
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: OUTPUT_OPTIONS,
      positionals: POSITIONALS,
    });
    const imageId = values.image_id as string;
    const tag = values.tag_value as string;
    if (!imageId || !tag) throw new CliError('Unable to update tag. Specify image_id and tag_value');

    const api = await this.imagesApi(global);
    await api.addTag(imageId, tag);
    const image = await api.get(imageId);
    const { printImageList } = await import('../lib/images/image-output');
    const { ListColumn, renderList, selectColumns } = await import('../lib/output/formatters');
    if (format === undefined) {
      this.writeOut(printImageList([image], ['ID', 'Tags']) + '\n');
      return;
    }
    const row: Cell[] = [image.json.id ?? null, new ListColumn(image.json.tags ?? [])];
    const listing = selectColumns({ columns: ['ID', 'Tags'], rows: [row] }, columns);
    this.writeOut(await renderList(format, listing, { fitWidth: tableFitWidth() }));
  }
}
