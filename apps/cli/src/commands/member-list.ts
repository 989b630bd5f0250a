// glance member-list --image-id <IMAGE_ID>: the image's members as glanceclient's table, or rows
// for -f/-c.
import { ImageCommand } from '../image-command';
import type { OptionSpec } from '../lib/argparse';
import { oclifFlags } from '../lib/argparse-oclif';
import { OUTPUT_OPTIONS, outputFlags } from '../lib/output/output-flags';

const OPTIONS: OptionSpec[] = [
  {
    name: 'image-id',
    dest: 'image_id',
    action: 'store',
    metavar: '<IMAGE_ID>',
    required: true,
    help: 'Image to display members of.',
  },
];

export default class MemberList extends ImageCommand {
  static override description = 'Describe sharing permissions by image.';
  static override flags = { ...oclifFlags(OPTIONS), ...outputFlags };

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: [...OPTIONS, ...OUTPUT_OPTIONS],
      positionals: [],
    });
    const { membersText } = await import('../lib/members/members');
    const api = await this.membersApi(global);
    const members = await api.list(values.image_id as string);
    this.writeOut(await membersText(members, format, columns));
  }
}
