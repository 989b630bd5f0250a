// The options glanceclient takes before the subcommand (`glance --os-auth-token T stores-info`).
// One table feeds the argv normaliser, the oclif flags every command accepts, and `glance help`.

/** oclif helpGroup of the global options: listed by `glance help`, not on each command's page. */
export const GLOBAL_HELP_GROUP = 'GLOBAL';

export interface GlobalOption {
  /** Long name, without the leading dashes. */
  name: string;
  /** glanceclient's hidden underscore spellings (--os_auth_token). */
  aliases?: readonly string[];
  /** Short form, without the dash. */
  char?: string;
  /**
   * Short form accepted only before the command: glanceclient's `-f` is --force there, while
   * after the command `-f` is openstackclient's --format.
   */
  charBeforeCommand?: string;
  takesValue: boolean;
  /** Environment variable read when the option is absent. */
  env?: string;
  /** Placeholder shown in help (argparse's metavar). */
  metavar?: string;
  help: string;
}

export const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  {
    name: 'debug',
    char: 'd',
    takesValue: false,
    env: 'GLANCECLIENT_DEBUG',
    help: 'Defaults to env[GLANCECLIENT_DEBUG].',
  },
  {
    name: 'verbose',
    char: 'v',
    takesValue: false,
    help: 'Print more verbose output.',
  },
  {
    name: 'get-schema',
    takesValue: false,
    help:
      'Ignores cached copy and forces retrieval of schema that generates portions of the help text. ' +
      'Ignored with API version 1.',
  },
  {
    name: 'force',
    charBeforeCommand: 'f',
    takesValue: false,
    help: 'Prevent select actions from requesting user confirmation.',
  },
  {
    name: 'os-image-url',
    aliases: ['os_image_url'],
    takesValue: true,
    env: 'OS_IMAGE_URL',
    metavar: 'OS_IMAGE_URL',
    help:
      'Defaults to env[OS_IMAGE_URL]. If the provided image url contains a version number and ' +
      '`--os-image-api-version` is omitted the version of the URL will be picked as the image api version to use.',
  },
  {
    name: 'os-image-api-version',
    aliases: ['os_image_api_version'],
    takesValue: true,
    env: 'OS_IMAGE_API_VERSION',
    metavar: 'OS_IMAGE_API_VERSION',
    help: 'Defaults to env[OS_IMAGE_API_VERSION] or 2.',
  },
  {
    name: 'os-auth-token',
    aliases: ['os_auth_token'],
    takesValue: true,
    env: 'OS_AUTH_TOKEN',
    metavar: 'OS_AUTH_TOKEN',
    help: 'Defaults to env[OS_AUTH_TOKEN].',
  },
  {
    name: 'timeout',
    takesValue: true,
    metavar: '<seconds>',
    help: 'Set request timeout (in seconds).',
  },
];

/** The option a command-line token names (--name, --alias, --name=value, -d), if any. */
export function findGlobalOption(token: string): GlobalOption | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2).split('=', 1)[0];
    return GLOBAL_OPTIONS.find((option) => option.name === name || option.aliases?.includes(name));
  }
  if (/^-[^-]$/.test(token)) {
    return GLOBAL_OPTIONS.find((option) => option.char === token[1] || option.charBeforeCommand === token[1]);
  }
  return undefined;
}
