// Entry point of bin/run.js: glanceclient-style argv in, oclif in the middle, glanceclient-style
// errors out (one line on stderr; exit 1, or 2 for command-line mistakes like argparse).
import { normalizeArgv } from './lib/argv';
import { UsageError } from './lib/argparse';
import { exitCodeOf } from './lib/errors';
import { formatUsage } from './lib/help/argparse-format';
import { commandHelpPage, rootHelpPage } from './lib/help/pages';
import type { Config } from '@oclif/core';

/** oclif errors carry the exit code they want; parse errors want 2. */
interface OclifError extends Error {
  oclif?: { exit?: number };
  code?: string;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0];
}

function usageError(config: Config, commandId: string | undefined, message: string): number {
  const command = commandId ? config.findCommand(commandId) : undefined;
  const page = command ? commandHelpPage(command) : rootHelpPage(config.commands);
  process.stderr.write(`${formatUsage(page.prog, page.usage)}\n${page.prog}: error: ${message}\n`);
  return 2;
}

async function report(
  error: unknown,
  config: Config | undefined,
  commandId: string,
  debug: boolean,
): Promise<number> {
  // A command-line mistake found by a command's own (argparse-style) parser.
  if (error instanceof UsageError && config) {
    return usageError(config, error.reportedBy === 'program' ? undefined : commandId, error.message);
  }
  const exitCode = await exitCodeOf(error);
  if (exitCode !== undefined) {
    process.stderr.write(`${(error as Error).message}\n`);
    return exitCode;
  }
  const oclifError = error as OclifError;
  const exit = oclifError?.oclif?.exit;
  // this.exit(n) inside a command: no message to print.
  if (oclifError?.code === 'EEXIT' && typeof exit === 'number') return exit;
  if (exit === 2 && config) return usageError(config, commandId, firstLine(oclifError.message));
  // Anything else is a bug or an environment problem: say what it was, like glanceclient's shell.
  process.stderr.write(
    `${debug && oclifError?.stack ? oclifError.stack : String(oclifError?.message ?? error)}\n`,
  );
  return typeof exit === 'number' ? exit : 1;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `glance image-list | head` must end quietly when the reader goes away.
  process.stdout.on('error', (error: OclifError) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

  const normalized = normalizeArgv(argv);
  const debug =
    normalized.includes('--debug') || normalized.includes('-d') || Boolean(process.env.GLANCECLIENT_DEBUG);
  let config: Config | undefined;
  try {
    const oclif = await import('@oclif/core');
    config = await oclif.Config.load(__dirname);
    if (normalized[0] === '--version') {
      // Says which glance this is: beside python-glanceclient's, both answer to `glance`.
      process.stdout.write(`glance-ts ${config.version}\n`);
      return;
    }
    const commandId = normalized[0];
    const isHelpFlag = normalized.includes('--help') || normalized.includes('-h');
    if (!isHelpFlag && !config.findCommand(commandId)) {
      const choices = config.commands
        .filter((command) => !command.hidden)
        .map((command) => `'${command.id}'`)
        .sort()
        .join(', ');
      process.exitCode = usageError(
        config,
        undefined,
        `argument <subcommand>: invalid choice: '${commandId}' (choose from ${choices})`,
      );
      return;
    }
    await oclif.run(normalized, config);
    await oclif.flush();
  } catch (error) {
    process.exitCode = await report(error, config, normalized[0], debug);
  }
}
