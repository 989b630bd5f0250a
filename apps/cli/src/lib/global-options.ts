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
  ...keystoneOptions(),
  {
    name: 'timeout',
    takesValue: true,
    metavar: '<seconds>',
    help: 'Set request timeout (in seconds).',
  },
];

/**
 * Keystone login (python-glanceclient's keystoneauth options, plus openstackclient's --os-cloud
 * and --os-interface): each is also read from its OS_* variable, and from the cloud's clouds.yaml
 * entry under --os-cloud. Value options, `auth` settings key in parentheses.
 */
function keystoneOptions(): GlobalOption[] {
  const value = (
    name: string,
    env: string,
    help: string,
    aliases?: string[],
    metavar = env,
  ): GlobalOption => ({
    name,
    aliases: [name.replace(/-/g, '_'), ...(aliases ?? [])],
    takesValue: true,
    env,
    metavar,
    help,
  });
  return [
    value('os-cloud', 'OS_CLOUD', 'Cloud name in clouds.yaml (with secure.yaml). Defaults to env[OS_CLOUD].'),
    value('os-auth-url', 'OS_AUTH_URL', 'Authentication URL. Defaults to env[OS_AUTH_URL].'),
    value(
      'os-auth-type',
      'OS_AUTH_TYPE',
      'Authentication type to use: password or v3applicationcredential.',
      ['os-auth-plugin'],
    ),
    value('os-username', 'OS_USERNAME', 'Username. Defaults to env[OS_USERNAME].', ['os-user-name']),
    value('os-user-id', 'OS_USER_ID', 'User id. Defaults to env[OS_USER_ID].'),
    value('os-password', 'OS_PASSWORD', "User's password. Defaults to env[OS_PASSWORD]."),
    value(
      'os-project-name',
      'OS_PROJECT_NAME',
      'Project name to scope to. Defaults to env[OS_PROJECT_NAME].',
      ['os-tenant-name'],
    ),
    value('os-project-id', 'OS_PROJECT_ID', 'Project ID to scope to. Defaults to env[OS_PROJECT_ID].', [
      'os-tenant-id',
    ]),
    value(
      'os-user-domain-name',
      'OS_USER_DOMAIN_NAME',
      "User's domain name. Defaults to env[OS_USER_DOMAIN_NAME].",
    ),
    value('os-user-domain-id', 'OS_USER_DOMAIN_ID', "User's domain id. Defaults to env[OS_USER_DOMAIN_ID]."),
    value(
      'os-project-domain-name',
      'OS_PROJECT_DOMAIN_NAME',
      'Domain name containing project. Defaults to env[OS_PROJECT_DOMAIN_NAME].',
    ),
    value(
      'os-project-domain-id',
      'OS_PROJECT_DOMAIN_ID',
      'Domain ID containing project. Defaults to env[OS_PROJECT_DOMAIN_ID].',
    ),
    value('os-domain-name', 'OS_DOMAIN_NAME', 'Domain name to scope to. Defaults to env[OS_DOMAIN_NAME].'),
    value('os-domain-id', 'OS_DOMAIN_ID', 'Domain ID to scope to. Defaults to env[OS_DOMAIN_ID].'),
    value(
      'os-system-scope',
      'OS_SYSTEM_SCOPE',
      'Scope for system operations. Defaults to env[OS_SYSTEM_SCOPE].',
    ),
    value(
      'os-application-credential-id',
      'OS_APPLICATION_CREDENTIAL_ID',
      'Application credential ID. Defaults to env[OS_APPLICATION_CREDENTIAL_ID].',
    ),
    value(
      'os-application-credential-secret',
      'OS_APPLICATION_CREDENTIAL_SECRET',
      'Application credential secret. Defaults to env[OS_APPLICATION_CREDENTIAL_SECRET].',
    ),
    value('os-region-name', 'OS_REGION_NAME', 'Defaults to env[OS_REGION_NAME].'),
    value(
      'os-interface',
      'OS_INTERFACE',
      'Catalog interface of the image endpoint: public (default), internal or admin. Defaults to env[OS_INTERFACE].',
    ),
    value('os-endpoint-type', 'OS_ENDPOINT_TYPE', 'Defaults to env[OS_ENDPOINT_TYPE] (as --os-interface).'),
    value(
      'os-cacert',
      'OS_CACERT',
      'Specify a CA bundle file to use in verifying a TLS (https) server certificate. Defaults to env[OS_CACERT].',
      [],
      '<ca-certificate>',
    ),
    {
      name: 'insecure',
      takesValue: false,
      help: 'Explicitly allow client to perform "insecure" TLS (https) requests. The server\'s certificate will not be verified against any certificate authorities. This option should be used with caution.',
    },
  ];
}

/** Names of the Keystone login options (for the flags every command accepts). */
export const KEYSTONE_OPTION_NAMES: readonly string[] = keystoneOptions().map((option) => option.name);

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
