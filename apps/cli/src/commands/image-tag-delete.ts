// glance image-tag-delete <IMAGE_ID> <TAG_VALUE>: removes the tag. Prints nothing, as glanceclient.
import { ImageCommand } from '../image-command';
import { oclifArgs } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';

const POSITIONALS = [
  { dest: 'image_id', metavar: '<IMAGE_ID>', help: 'ID of the image from which to delete tag.' },
  { dest: 'tag_value', metavar: '<TAG_VALUE>', help: 'Value of the tag.' },
];

export default class ImageTagDelete extends ImageCommand {
  static override description = 'Delete the tag associated with the given image.';
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global } = this.parseCommandLine({ options: [], positionals: POSITIONALS });
    const imageId = values.image_id as string;
    const tag = values.tag_value as string;
    if (!imageId || !tag) throw new CliError('Unable to delete tag. Specify image_id and tag_value');
    const api = await this.imagesApi(global);
    await api.deleteTag(imageId, tag);
  }
}
