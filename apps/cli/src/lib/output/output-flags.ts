// The -f/--format and -c/--column options of list commands, as openstackclient (cliff) has them.
// Without -f, commands keep glanceclient's output; -c alone implies cliff's default, -f table.
import { Flags } from '@oclif/core';
import type { OptionSpec } from '../argparse';
import { OUTPUT_FORMATS, type OutputFormat } from './formatters';

/** helpGroup of these flags: their own section on the command's help page. */
export const OUTPUT_HELP_GROUP = 'Output formatters';

export const outputFlags = {
  format: Flags.option({
    char: 'f',
    options: OUTPUT_FORMATS,
    helpGroup: OUTPUT_HELP_GROUP,
    description: "the output format (openstackclient style); without it, glanceclient's output",
  })(),
  column: Flags.string({
    char: 'c',
    multiple: true,
    helpValue: 'COLUMN',
    helpGroup: OUTPUT_HELP_GROUP,
    description: 'specify the column(s) to include, can be repeated to show multiple columns',
  }),
};

/** The cliff formatter to use, or undefined for glanceclient's own output. */
export function chosenFormat(flags: { format?: OutputFormat; column?: string[] }): OutputFormat | undefined {
  return flags.format ?? (flags.column?.length ? 'table' : undefined);
}

/** The width cliff fits tables into: CLIFF_MAX_TERM_WIDTH, else the terminal's when stdout is one. */
export function tableFitWidth(): number | undefined {
  const fromEnv = Number.parseInt(process.env.CLIFF_MAX_TERM_WIDTH ?? '', 10);
  if (fromEnv > 0) return fromEnv;
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

/** The same two options for commands whose command line argparse.ts parses. */
export const OUTPUT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'format',
    char: 'f',
    action: 'store',
    choices: OUTPUT_FORMATS,
    helpGroup: OUTPUT_HELP_GROUP,
    help: outputFlags.format.description,
  },
  {
    name: 'column',
    char: 'c',
    action: 'append',
    metavar: 'COLUMN',
    helpGroup: OUTPUT_HELP_GROUP,
    help: outputFlags.column.description,
  },
];
