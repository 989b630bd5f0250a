import { Args } from '@oclif/core';
import { GlanceCommand } from '../base-command';
import GlanceHelp from '../help';
import { CliError } from '../lib/errors';

export default class Help extends GlanceCommand {
  static override description = 'Display help about this program or one of its subcommands.';

  static override args = {
    subcommand: Args.string({ description: 'Display help for <subcommand>.' }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Help);
    const help = new GlanceHelp(this.config);
    if (!args.subcommand) return help.showRootHelp();
    const command = this.config.findCommand(args.subcommand);
    if (!command || command.hidden) throw new CliError(`'${args.subcommand}' is not a valid subcommand`);
    await help.showCommandHelp(command);
  }
}
