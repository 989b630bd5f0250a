// glanceclient's help pages, built from oclif's command metadata (which a manifest can cache):
//   usage: glance <command> [--flag] [--option <VALUE>] <ARG>
//   <description>
//   Positional arguments / Options / Required arguments   (glanceclient's own sections)
//   <helpGroup>:                                           (options glance-ts adds, e.g. -f/-c)
// Flags in GLOBAL_HELP_GROUP are the global options: on the root page only.
// A positional argument shows as <name>: name args the way glanceclient spells them.
import type { Command } from '@oclif/core';
import { GLOBAL_HELP_GROUP, GLOBAL_OPTIONS } from '../global-options';
import type { HelpAction, HelpPage, HelpSection } from './argparse-format';

export const PROGRAM = 'glance';

function flagAction(flag: Command.Flag.Cached): HelpAction {
  const optionStrings = [...(flag.char ? [`-${flag.char}`] : []), `--${flag.name}`];
  let metavar: string | undefined;
  if (flag.type === 'option') {
    const helpValue = Array.isArray(flag.helpValue) ? flag.helpValue.join(' ') : flag.helpValue;
    metavar =
      helpValue ??
      (flag.options ? `{${flag.options.join(',')}}` : flag.name.toUpperCase().replace(/-/g, '_'));
  }
  return { optionStrings, metavar, help: flag.description, required: Boolean(flag.required) };
}

function argAction(arg: Command.Arg.Cached): HelpAction {
  const metavar = `<${arg.name}>`;
  return {
    optionStrings: [],
    metavar,
    help: arg.description,
    optional: !arg.required,
    // argparse's nargs='+': "<IMAGE_ID> [<IMAGE_ID> ...]" in the usage line.
    usageSuffix: (arg as { multiple?: boolean }).multiple ? `[${metavar} ...]` : undefined,
  };
}

/** The first line of a description: the summary in the command list. */
function summary(command: Command.Loadable): string | undefined {
  return (command.summary ?? command.description)?.trim().split('\n')[0];
}

export function commandHelpPage(command: Command.Loadable): HelpPage {
  const flags = Object.values(command.flags).filter(
    (flag) => !flag.hidden && flag.helpGroup !== GLOBAL_HELP_GROUP,
  );
  const glanceFlags = flags.filter((flag) => !flag.helpGroup);
  const args = Object.values(command.args)
    .filter((arg) => !arg.hidden)
    .map(argAction);

  const extraGroups = new Map<string, HelpAction[]>();
  for (const flag of flags.filter((f) => f.helpGroup)) {
    extraGroups.set(flag.helpGroup!, [...(extraGroups.get(flag.helpGroup!) ?? []), flagAction(flag)]);
  }
  const sections: HelpSection[] = [
    { title: 'positional arguments', actions: args },
    { title: 'options', actions: glanceFlags.filter((flag) => !flag.required).map(flagAction) },
    { title: 'Required arguments', actions: glanceFlags.filter((flag) => flag.required).map(flagAction) },
    ...[...extraGroups].map(([title, actions]) => ({ title, actions, alignment: title })),
  ];
  return {
    prog: `${PROGRAM} ${command.id}`,
    usage: [...glanceFlags.map(flagAction), ...args],
    description: command.description,
    sections,
  };
}

export function rootHelpPage(commands: readonly Command.Loadable[]): HelpPage {
  const options: HelpAction[] = [
    { optionStrings: ['--version'], help: "show program's version number and exit" },
    ...GLOBAL_OPTIONS.map((option) => ({
      optionStrings: [
        ...[option.char ?? option.charBeforeCommand].filter(Boolean).map((char) => `-${char}`),
        `--${option.name}`,
      ],
      metavar: option.takesValue ? option.metavar : undefined,
      help: option.help,
    })),
  ];
  // glanceclient lists the API commands alphabetically, then its own (help).
  const visible = commands
    .filter((command) => !command.hidden)
    .sort((a, b) => Number(a.id === 'help') - Number(b.id === 'help') || a.id.localeCompare(b.id));
  const subcommand: HelpAction = {
    optionStrings: [],
    metavar: '<subcommand>',
    usageSuffix: '...',
    subactions: visible.map((command) => ({
      optionStrings: [],
      metavar: command.id,
      help: summary(command),
    })),
  };
  return {
    prog: PROGRAM,
    usage: [...options, subcommand],
    description: 'Command-line interface to the OpenStack Images API.',
    sections: [
      { title: 'positional arguments', actions: [subcommand] },
      { title: 'options', actions: options },
    ],
    epilog: `See "${PROGRAM} help COMMAND" for help on a specific command.`,
  };
}
