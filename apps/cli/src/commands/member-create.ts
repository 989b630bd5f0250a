// glance member-create <IMAGE_ID> <MEMBER_ID>: shares the image with the project, then prints the
// new membership as glanceclient's one-row table (or a row for -f/-c).
import { ImageCommand } from '../image-command';
import { oclifArgs } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';
import { OUTPUT_OPTIONS, outputFlags } from '../lib/output/output-flags';

const POSITIONALS = [
  { dest: 'image_id', metavar: '<IMAGE_ID>', help: 'Image with which to create member.' },
  { dest: 'member_id', metavar: '<MEMBER_ID>', help: 'Tenant to add as member.' },
];

export default class MemberCreate extends ImageCommand {
  static override description = 'Create member for a given image.';
  static override flags = { ...outputFlags };
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: OUTPUT_OPTIONS,
      positionals: POSITIONALS,
    });
    const imageId = values.image_id as string;
    const memberId = values.member_id as string;
    if (!imageId || !memberId) throw new CliError('Unable to create member. Specify image_id and member_id');
    const { membersText } = await import('../lib/members/members');
    const api = await this.membersApi(global);
    const member = await api.create(imageId, memberId);
    this.writeOut(await membersText([member], format, columns));
  }
}
