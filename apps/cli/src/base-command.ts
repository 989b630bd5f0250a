// What every `glance` command shares: glanceclient's global options (accepted after the command
// id, where the argv normaliser puts them), their environment defaults and validation, the API
// client, and output on stdout/stderr.
import { Command, Flags } from '@oclif/core';
import type { ImageApiClient } from '@glance-ts/image-client';
import { CliError } from './lib/errors';
import {
  GLOBAL_HELP_GROUP,
  GLOBAL_OPTIONS,
  type GlobalOption,
  KEYSTONE_OPTION_NAMES,
} from './lib/global-options';

function globalOption(name: string): GlobalOption {
  const option = GLOBAL_OPTIONS.find((candidate) => candidate.name === name);
  if (!option) throw new Error(`unknown global option ${name}`);
  return option;
}

function commonProperties(option: GlobalOption) {
  return {
    aliases: option.aliases ? [...option.aliases] : undefined,
    description: option.help,
    helpGroup: GLOBAL_HELP_GROUP,
  };
}

function valueFlag(name: string) {
  const option = globalOption(name);
  return Flags.string({ ...commonProperties(option), helpValue: option.metavar });
}

/** The Keystone login value options (global-options.ts), as string flags. */
function keystoneValueFlags() {
  const flags: Record<string, ReturnType<typeof valueFlag>> = {};
  for (const name of KEYSTONE_OPTION_NAMES) {
    if (globalOption(name).takesValue) flags[name] = valueFlag(name);
  }
  return flags;
}

const globalFlags = {
  ...keystoneValueFlags(),
  insecure: Flags.boolean(commonProperties(globalOption('insecure'))),
  debug: Flags.boolean({ ...commonProperties(globalOption('debug')), char: 'd' }),
  verbose: Flags.boolean({ ...commonProperties(globalOption('verbose')), char: 'v' }),
  'get-schema': Flags.boolean(commonProperties(globalOption('get-schema'))),
  force: Flags.boolean(commonProperties(globalOption('force'))),
  'os-image-url': valueFlag('os-image-url'),
  'os-image-api-version': valueFlag('os-image-api-version'),
  'os-auth-token': valueFlag('os-auth-token'),
  timeout: valueFlag('timeout'),
};

export interface GlobalFlagValues {
  debug?: boolean;
  verbose?: boolean;
  'get-schema'?: boolean;
  force?: boolean;
  'os-image-url'?: string;
  'os-image-api-version'?: string;
  'os-auth-token'?: string;
  timeout?: string;
  insecure?: boolean;
  /** The Keystone login options, by name (os-auth-url, os-username, ...). */
  [keystoneOption: string]: unknown;
}

/** Where the commands send their requests, and with which token. */
export interface ImageServiceConnection {
  imageUrl: string;
  token: string;
}

/** The option's environment variable, when set and not empty (glanceclient's utils.env()). */
function fromEnv(name: string): string | undefined {
  const variable = globalOption(name).env;
  return (variable && process.env[variable]) || undefined;
}

/** A value option as given, else from its environment variable. */
function setting(flags: GlobalFlagValues, name: 'os-image-url' | 'os-image-api-version' | 'os-auth-token') {
  return flags[name] ?? fromEnv(name);
}

/** Only Image API v2 exists here; glanceclient's int() accepts surrounding blanks and a sign. */
function checkApiVersion(requested: string | undefined, urlVersion: number | undefined): void {
  const version = requested ?? (urlVersion === undefined ? '2' : String(urlVersion));
  if (!/^\s*\+?0*2\s*$/.test(version))
    throw new CliError('Invalid API version parameter. Supported values are [2]');
}

export abstract class GlanceCommand extends Command {
  static override baseFlags = globalFlags;

  private apiClient?: ImageApiClient;

  /** True with --debug or env[GLANCECLIENT_DEBUG] (any non-empty value, as in glanceclient). */
  protected debugEnabled(flags: GlobalFlagValues): boolean {
    return Boolean(flags.debug) || Boolean(fromEnv('debug'));
  }

  /**
   * The image endpoint and token, as glanceclient settles them: --os-auth-token with --os-image-url
   * as given; otherwise, when a Keystone login is configured (--os-cloud or --os-auth-url, or their
   * OS_* variables), a login whose catalog supplies the image endpoint (unless --os-image-url
   * names it). The token lives in this process only.
   */
  protected async connection(flags: GlobalFlagValues): Promise<ImageServiceConnection> {
    this.resolvedConnection ??= this.resolveConnection(flags);
    return this.resolvedConnection;
  }

  private resolvedConnection?: Promise<ImageServiceConnection>;

  private async resolveConnection(flags: GlobalFlagValues): Promise<ImageServiceConnection> {
    const { parseImageUrl } = await import('@glance-ts/image-client');
    const imageUrl = setting(flags, 'os-image-url');
    const token = setting(flags, 'os-auth-token');
    // glanceclient settles the API version first, from the option or else the URL's /vN.
    checkApiVersion(
      setting(flags, 'os-image-api-version'),
      imageUrl ? parseImageUrl(imageUrl).urlVersion : undefined,
    );
    if (!token) {
      const { keystoneSettings, loginForImageService } = await import('./lib/keystone-login');
      const settings = keystoneSettings(flags);
      if (settings) {
        const login = await loginForImageService(settings, {
          imageUrl,
          timeoutSeconds: this.timeoutSeconds(flags),
          userAgent: `glance-ts-cli/${this.config.version}`,
        });
        if (!imageUrl)
          checkApiVersion(setting(flags, 'os-image-api-version'), parseImageUrl(login.imageUrl).urlVersion);
        return login;
      }
    }
    if (!imageUrl)
      throw new CliError('You must provide an image url via either --os-image-url or env[OS_IMAGE_URL]');
    if (!token)
      throw new CliError('You must provide a token via either --os-auth-token or env[OS_AUTH_TOKEN]');
    return { imageUrl, token };
  }

  private timeoutSeconds(flags: GlobalFlagValues): number | undefined {
    const timeoutText = flags.timeout;
    const timeoutSeconds = timeoutText === undefined ? undefined : Number(timeoutText);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
      throw new CliError(`Invalid --timeout "${timeoutText}": expected a number of seconds greater than 0`);
    }
    return timeoutSeconds;
  }

  /** The API client for the connection above. */
  protected async client(flags: GlobalFlagValues): Promise<ImageApiClient> {
    // Loaded here, not at the top: commands that never call the API start faster without it.
    const { ImageApiClient } = await import('@glance-ts/image-client');
    const { imageUrl, token } = await this.connection(flags);
    const timeoutSeconds = this.timeoutSeconds(flags);
    if (this.apiClient) return this.apiClient;
    this.apiClient = new ImageApiClient({
      imageUrl,
      token,
      timeoutSeconds,
      userAgent: `glance-ts-cli/${this.config.version}`,
      debug: this.debugEnabled(flags) ? (text) => this.writeErr(text + '\n') : undefined,
    });
    return this.apiClient;
  }

  protected writeOut(text: string): void {
    process.stdout.write(text);
  }

  protected writeErr(text: string): void {
    process.stderr.write(text);
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await this.apiClient?.close();
    return super.finally(error);
  }
}
