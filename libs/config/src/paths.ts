import { existsSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { ConfigError } from './errors';

const EMBEDDED_RELATIVE = join('etc', 'glance-api.conf');

/**
 * How far up from this module the repository root may be. The module runs from libs/config/src
 * (ts-jest) or libs/config/dist (built), both three levels below the root; the margin allows a
 * deeper build layout without letting the search wander far.
 */
const MAX_LEVELS_UP = 5;

/**
 * The repository's `etc/glance-api.conf`, found by walking up from this module's directory to the
 * first directory that contains it. The filesystem root is never considered, so a system-wide
 * /etc/glance-api.conf (a real Glance's) is never mistaken for the embedded default.
 */
function findEmbeddedConfig(start: string): string {
  let directory = start;
  for (let level = 0; level <= MAX_LEVELS_UP; level++) {
    const parent = dirname(directory);
    if (directory === parse(directory).root || parent === directory) break;
    const candidate = join(directory, EMBEDDED_RELATIVE);
    if (existsSync(candidate)) return candidate;
    directory = parent;
  }
  // Not found (a packaging mistake): point where it should be, so loading it names a useful path.
  return resolve(start, '..', '..', '..', EMBEDDED_RELATIVE);
}

/** Absolute path of the default configuration shipped with the repository (`etc/glance-api.conf`). */
export const EMBEDDED_CONFIG_PATH: string = findEmbeddedConfig(__dirname);

/** Environment variable naming the config file when `--config-file` is not given. */
export const CONFIG_FILE_ENV = 'GLANCE_CONFIG_FILE';

const OPTION = '--config-file';
const COMMAND_LINE = 'command line';

/**
 * Which configuration file to read, as an absolute path: `--config-file PATH` or
 * `--config-file=PATH` in `argv` (oslo's option name), else `$GLANCE_CONFIG_FILE`, else the
 * embedded default. Relative paths resolve against `cwd`. glance-ts reads ONE file: oslo merges
 * repeated --config-file options, so accepting several and reading one would mislead.
 */
export function resolveConfigPath(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): string {
  const fromArgs = configFileFromArgs(argv);
  if (fromArgs !== null) return resolve(cwd, fromArgs);
  const fromEnv = env[CONFIG_FILE_ENV];
  if (fromEnv) return resolve(cwd, fromEnv);
  return EMBEDDED_CONFIG_PATH;
}

function configFileFromArgs(argv: readonly string[]): string | null {
  const found: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--') break;
    if (arg === OPTION) {
      const value = argv[index + 1];
      if (value === undefined || value === '' || value.startsWith('--')) {
        throw new ConfigError({ file: COMMAND_LINE }, `${OPTION} needs a path`);
      }
      found.push(value);
      index++;
    } else if (arg.startsWith(`${OPTION}=`)) {
      const value = arg.slice(OPTION.length + 1);
      if (value === '') throw new ConfigError({ file: COMMAND_LINE }, `${OPTION} needs a path`);
      found.push(value);
    }
  }
  if (found.length > 1) {
    throw new ConfigError(
      { file: COMMAND_LINE },
      `${OPTION} is given ${found.length} times; glance-ts reads a single configuration file`,
    );
  }
  return found[0] ?? null;
}
