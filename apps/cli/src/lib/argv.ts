// glanceclient (argparse) takes its global options before the subcommand:
//   glance --os-image-url URL --os-auth-token TOKEN stores-info --detail
// oclif reads argv[0] as the command id, so the options in front are moved behind it, where every
// command accepts them as flags:
//   stores-info --os-image-url=URL --os-auth-token=TOKEN --detail
// A value is glued on with "=" so that a value starting with "-" (a token can) stays a value.
import { findGlobalOption } from './global-options';

/** Reorders argv for oclif; what follows the command id is left untouched. */
export function normalizeArgv(argv: readonly string[]): string[] {
  const leading: string[] = [];
  let index = 0;
  while (index < argv.length) {
    const token = argv[index];
    if (token === '--') {
      index++; // argparse: whatever follows is positional, so the next token is the command
      break;
    }
    if (!token.startsWith('-') || token === '-') break;
    if (token === '--version') return ['--version'];

    const option = findGlobalOption(token);
    if (option?.charBeforeCommand && token === `-${option.charBeforeCommand}`) {
      leading.push(`--${option.name}`); // behind the command, the short form means something else
      index++;
      continue;
    }
    if (option?.takesValue && !token.includes('=') && index + 1 < argv.length) {
      leading.push(`${token}=${argv[index + 1]}`);
      index += 2;
    } else {
      // Flags, --name=value, and options we do not know (oclif will name them in its error).
      leading.push(token);
      index++;
    }
  }

  // No subcommand, like a bare `glance --debug`: glanceclient prints its help.
  if (index >= argv.length) return ['help', ...leading];
  return [argv[index], ...leading, ...argv.slice(index + 1)];
}
