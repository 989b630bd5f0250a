// glance member-get <IMAGE_ID> <MEMBER_ID>: one membership as glanceclient's Property/Value table,
// or as one record for -f/-c.
import { ImageCommand } from '../image-command';
import { oclifArgs } from '../lib/argparse-oclif';
import { OUTPUT_OPTIONS, outputFlags } from '../lib/output/output-flags';

const POSITIONALS = [
  { dest: 'image_id', metavar: '<IMAGE_ID>', help: 'Image from which to display member.' },
  { dest: 'member_id', metavar: '<MEMBER_ID>', help: 'Project to display.' },
];

export default class MemberGet extends ImageCommand {
  static override description = 'Show details of an image member';
  static override flags = { ...outputFlags };
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: OUTPUT_OPTIONS,
      positionals: POSITIONALS,
    });
    const { memberText } = await import('../lib/members/members');
    const api = await this.membersApi(global);
    const member = await api.get(values.image_id as string, values.member_id as string);
    this.writeOut(await memberText(member, format, columns));
  }
}
