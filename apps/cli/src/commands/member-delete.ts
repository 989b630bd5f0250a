// glance member-delete <IMAGE_ID> <MEMBER_ID>: stops sharing the image with the project; prints
// nothing, as glanceclient.
import { ImageCommand } from '../image-command';
import { oclifArgs } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';

const POSITIONALS = [
  { dest: 'image_id', metavar: '<IMAGE_ID>', help: 'Image from which to remove member.' },
  { dest: 'member_id', metavar: '<MEMBER_ID>', help: 'Tenant to remove as member.' },
];

export default class MemberDelete extends ImageCommand {
  static override description = 'Delete image member.';
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global } = this.parseCommandLine({ options: [], positionals: POSITIONALS });
    const imageId = values.image_id as string;
    const memberId = values.member_id as string;
    if (!imageId || !memberId) throw new CliError('Unable to delete member. Specify image_id and member_id');
    const api = await this.membersApi(global);
    await api.delete(imageId, memberId);
  }
}
