// glance member-update <IMAGE_ID> <MEMBER_ID> <MEMBER_STATUS>: the member accepts, rejects or
// resets a shared image; prints the membership as glanceclient's one-row table (or a row for -f/-c).
import { ImageCommand } from '../image-command';
import { oclifArgs } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';
import { OUTPUT_OPTIONS, outputFlags } from '../lib/output/output-flags';

// glanceclient's MEMBER_STATUS_VALUES (v2/shell.py), in its order: the help text lists them so.
const STATUSES = ['accepted', 'rejected', 'pending'];

const POSITIONALS = [
  { dest: 'image_id', metavar: '<IMAGE_ID>', help: 'Image from which to update member.' },
  { dest: 'member_id', metavar: '<MEMBER_ID>', help: 'Tenant to update.' },
  {
    dest: 'member_status',
    metavar: '<MEMBER_STATUS>',
    choices: STATUSES,
    help: `Updated status of member. Valid Values: ${STATUSES.join(', ')}`,
  },
];

export default class MemberUpdate extends ImageCommand {
  static override description = 'Update the status of a member for a given image.';
  static override flags = { ...outputFlags };
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: OUTPUT_OPTIONS,
      positionals: POSITIONALS,
    });
    const imageId = values.image_id as string;
    const memberId = values.member_id as string;
    const status = values.member_status as string;
    if (!imageId || !memberId || !status)
      throw new CliError('Unable to update member. Specify image_id, member_id and member_status');
    const { membersText } = await import('../lib/members/members');
    const api = await this.membersApi(global);
    const member = await api.update(imageId, memberId, status);
    this.writeOut(await membersText([member], format, columns));
  }
}
