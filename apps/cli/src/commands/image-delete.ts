// glance image-delete <IMAGE_ID> [<IMAGE_ID> ...]: deletes each image in turn; a failure is one
// line on stderr in glanceclient's words and does not stop the others; exit 1 if any failed.
import { ImageCommand } from '../image-command';
import { oclifArgs } from '../lib/argparse-oclif';
import { ImageApiError } from '@glance-ts/image-client';

const POSITIONALS = [
  { dest: 'id', metavar: '<IMAGE_ID>', nargs: '+' as const, help: 'ID of image(s) to delete.' },
];

/** glanceclient's message for an image it could not delete. */
export function deleteFailureMessage(error: ImageApiError, id: string): string {
  switch (error.status) {
    case 403:
      return `You are not permitted to delete the image '${id}'.`;
    case 404:
      return `No image with an ID of '${id}' exists.`;
    case 409:
      return `Unable to delete image '${id}' because it is in use.`;
    default:
      return `'${error.message}': Unable to delete image '${id}'`;
  }
}

export default class ImageDelete extends ImageCommand {
  static override description = 'Delete specified image.';
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global } = this.parseCommandLine({ options: [], positionals: POSITIONALS });
    const api = await this.imagesApi(global);
    let failed = false;
    for (const id of values.id as string[]) {
      try {
        await api.delete(id);
      } catch (error) {
        // A bad token fails every id alike: glanceclient reports it once (at its schema fetch).
        if (!(error instanceof ImageApiError) || error.status === 401) throw error;
        this.writeErr(deleteFailureMessage(error, id) + '\n');
        failed = true;
      }
    }
    if (failed) this.exit(1);
  }
}
