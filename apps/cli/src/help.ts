// oclif help class (package.json oclif.helpClass): glanceclient's help pages for
// `glance --help`, `glance <command> --help` and the `help` command.
import { type Command, HelpBase } from '@oclif/core';
import { formatHelp } from './lib/help/argparse-format';
import { commandHelpPage, rootHelpPage } from './lib/help/pages';

export default class GlanceHelp extends HelpBase {
  /** argv as oclif has it, command id first: `stores-info --help`, `help stores-info --help`, `--help`. */
  async showHelp(argv: string[]): Promise<void> {
    const [first, ...rest] = argv;
    let id = first && !first.startsWith('-') ? first : undefined;
    if (id === 'help') id = rest.find((arg) => !arg.startsWith('-'));
    const command = id ? this.config.findCommand(id) : undefined;
    if (command && !command.hidden) return this.showCommandHelp(command);
    this.showRootHelp();
  }

  async showCommandHelp(command: Command.Loadable): Promise<void> {
    process.stdout.write(formatHelp(commandHelpPage(command)));
  }

  showRootHelp(): void {
    process.stdout.write(formatHelp(rootHelpPage(this.config.commands)));
  }
}
