// A CommandLineSpec (argparse.ts) seen by oclif: the flags and args of a command whose command
// line argparse.ts parses. oclif only reads them as metadata — for the help pages and the usage
// line of errors — so each carries argparse's metavar as it should be shown.
import { Args, Flags, type Interfaces } from '@oclif/core';
import type { OptionSpec, PositionalSpec } from './argparse';

type Letter = Interfaces.AlphabetLowercase | Interfaces.AlphabetUppercase;

/** The value part argparse prints after the option string: "<TAGS> [<TAGS> ...]", "[[True|False]]". */
export function helpMetavar(option: OptionSpec): string {
  const metavar =
    option.metavar ??
    (option.choices ? `{${option.choices.join(',')}}` : (option.dest ?? option.name).toUpperCase());
  if (option.nargs === '+') return `${metavar} [${metavar} ...]`;
  if (option.nargs === '?') return `[${metavar}]`;
  return metavar;
}

export function oclifFlags(options: readonly OptionSpec[]): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {};
  for (const option of options) {
    const common = {
      char: option.char as Letter,
      aliases: option.aliases ? [...option.aliases] : undefined,
      description: option.help,
      helpGroup: option.helpGroup,
      required: option.required,
    };
    flags[option.name] =
      option.action === 'store_true'
        ? Flags.boolean(common)
        : option.action === 'append'
          ? Flags.string({ ...common, helpValue: helpMetavar(option), multiple: true })
          : Flags.string({ ...common, helpValue: helpMetavar(option) });
  }
  return flags;
}

/** Args named as glanceclient's metavars ("IMAGE_ID" shows as <IMAGE_ID>), never read from stdin. */
export function oclifArgs(positionals: readonly PositionalSpec[]): Interfaces.ArgInput {
  const args: Interfaces.ArgInput = {};
  for (const positional of positionals) {
    args[positional.metavar.replace(/^<|>$/g, '')] = Args.string({
      description: positional.help,
      required: true,
      multiple: positional.nargs === '+' ? true : undefined,
      // oclif would otherwise take a missing arg from piped stdin, which is image data here.
      ignoreStdin: true,
    });
  }
  return args;
}
