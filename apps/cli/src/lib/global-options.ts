import type { AuthSettings } from '@glance-ts/keystone';
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
  /** Older variables read when `env` is not set (OS_TENANT_NAME for OS_PROJECT_NAME). */
  envFallbacks?: readonly string[];
  /** Keystone login options: the AuthSettings field the value fills. */
  setting?: keyof AuthSettings;
  /** Placeholder shown in help (argparse's metavar). */
  metavar?: string;
  help: string;
}

/**
 * Keystone login (python-glanceclient's keystoneauth options, plus openstackclient's --os-cloud
 * and --os-interface): each is also read from its OS_* variable, and from the cloud's clouds.yaml
 * entry under --os-cloud. `setting` is the AuthSettings field it fills (keystone-login.ts).
 */
function keystoneOption(
  name: string,
  setting: keyof AuthSettings | null,
  env: string,
  help: string,
  extra: { aliases?: string[]; metavar?: string; envFallbacks?: string[] } = {},
): GlobalOption {
  return {
    name,
    aliases: [name.replace(/-/g, '_'), ...(extra.aliases ?? [])],
    takesValue: true,
    env,
    envFallbacks: extra.envFallbacks,
    setting: setting ?? undefined,
    metavar: extra.metavar ?? env,
    help: `${help} Defaults to env[${env}].`,
  };
}

const KEYSTONE_OPTIONS: readonly GlobalOption[] = [
  keystoneOption('os-cloud', null, 'OS_CLOUD', 'Cloud name in clouds.yaml (with secure.yaml).'),
  keystoneOption('os-auth-url', 'authUrl', 'OS_AUTH_URL', 'Authentication URL.'),
  keystoneOption(
    'os-auth-type',
    'authType',
    'OS_AUTH_TYPE',
    'Authentication type: password or v3applicationcredential.',
    {
      aliases: ['os-auth-plugin'],
    },
  ),
  keystoneOption('os-username', 'username', 'OS_USERNAME', 'Username.', { aliases: ['os-user-name'] }),
  keystoneOption('os-user-id', 'userId', 'OS_USER_ID', 'User id.'),
  keystoneOption('os-password', 'password', 'OS_PASSWORD', "User's password."),
  keystoneOption('os-project-name', 'projectName', 'OS_PROJECT_NAME', 'Project name to scope to.', {
    aliases: ['os-tenant-name'],
    envFallbacks: ['OS_TENANT_NAME'],
  }),
  keystoneOption('os-project-id', 'projectId', 'OS_PROJECT_ID', 'Project ID to scope to.', {
    aliases: ['os-tenant-id'],
    envFallbacks: ['OS_TENANT_ID'],
  }),
  keystoneOption('os-user-domain-name', 'userDomainName', 'OS_USER_DOMAIN_NAME', "User's domain name."),
  keystoneOption('os-user-domain-id', 'userDomainId', 'OS_USER_DOMAIN_ID', "User's domain id."),
  keystoneOption(
    'os-project-domain-name',
    'projectDomainName',
    'OS_PROJECT_DOMAIN_NAME',
    'Domain name containing project.',
  ),
  keystoneOption(
    'os-project-domain-id',
    'projectDomainId',
    'OS_PROJECT_DOMAIN_ID',
    'Domain ID containing project.',
  ),
  keystoneOption('os-domain-name', 'domainName', 'OS_DOMAIN_NAME', 'Domain name to scope to.'),
  keystoneOption('os-domain-id', 'domainId', 'OS_DOMAIN_ID', 'Domain ID to scope to.'),
  keystoneOption('os-system-scope', 'systemScope', 'OS_SYSTEM_SCOPE', 'Scope for system operations.'),
  keystoneOption(
    'os-application-credential-id',
    'applicationCredentialId',
    'OS_APPLICATION_CREDENTIAL_ID',
    'Application credential ID.',
  ),
  keystoneOption(
    'os-application-credential-secret',
    'applicationCredentialSecret',
    'OS_APPLICATION_CREDENTIAL_SECRET',
    'Application credential secret.',
  ),
  keystoneOption('os-region-name', 'regionName', 'OS_REGION_NAME', 'Region of the image endpoint.'),
  // glanceclient's name for the setting of --os-interface, which wins when both are given (later
  // entries win).
  keystoneOption(
    'os-endpoint-type',
    'interface',
    'OS_ENDPOINT_TYPE',
    'The catalog interface, as --os-interface.',
  ),
  keystoneOption(
    'os-interface',
    'interface',
    'OS_INTERFACE',
    'Catalog interface of the image endpoint: public (default), internal or admin.',
  ),
  keystoneOption(
    'os-cacert',
    'cacert',
    'OS_CACERT',
    'Specify a CA bundle file to use in verifying a TLS (https) server certificate.',
    { aliases: [], metavar: '<ca-certificate>' },
  ),
  {
    name: 'insecure',
    takesValue: false,
    help: 'Explicitly allow client to perform "insecure" TLS (https) requests. The server\'s certificate will not be verified against any certificate authorities. This option should be used with caution.',
  },
];

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
  ...KEYSTONE_OPTIONS,
  {
    name: 'timeout',
    takesValue: true,
    metavar: '<seconds>',
    help: 'Set request timeout (in seconds).',
  },
];

/** Names of the Keystone login options (for the flags every command accepts). */
export const KEYSTONE_OPTION_NAMES: readonly string[] = KEYSTONE_OPTIONS.map((option) => option.name);

/** The login options that fill an AuthSettings field. */
export const KEYSTONE_SETTING_OPTIONS = KEYSTONE_OPTIONS.filter(
  (option): option is GlobalOption & { setting: keyof AuthSettings; env: string } =>
    option.setting !== undefined,
);

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
