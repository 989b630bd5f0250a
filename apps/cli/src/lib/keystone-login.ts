// The Keystone side of `glance`: which login the options, OS_* variables and clouds.yaml describe,
// and the login itself, with each failure as one line (exit 1). The token stays in memory.
import {
  type AuthSettings,
  CloudConfigError,
  EndpointNotFoundError,
  KeystoneAuthenticationError,
  KeystoneServiceError,
  KeystoneUnavailableError,
  loadCloud,
  loginToImageService,
  settingsFromEnvironment,
} from '@glance-ts/keystone';
import type { GlobalFlagValues, ImageServiceConnection } from '../base-command';
import { CliError } from './errors';

/** Each value option's AuthSettings key. */
const OPTION_SETTINGS: Record<string, keyof AuthSettings> = {
  'os-auth-url': 'authUrl',
  'os-auth-type': 'authType',
  'os-username': 'username',
  'os-user-id': 'userId',
  'os-password': 'password',
  'os-project-name': 'projectName',
  'os-project-id': 'projectId',
  'os-user-domain-name': 'userDomainName',
  'os-user-domain-id': 'userDomainId',
  'os-project-domain-name': 'projectDomainName',
  'os-project-domain-id': 'projectDomainId',
  'os-domain-name': 'domainName',
  'os-domain-id': 'domainId',
  'os-system-scope': 'systemScope',
  'os-application-credential-id': 'applicationCredentialId',
  'os-application-credential-secret': 'applicationCredentialSecret',
  'os-region-name': 'regionName',
  'os-endpoint-type': 'interface',
  'os-interface': 'interface',
  'os-cacert': 'cacert',
};

/**
 * The login the command line describes, or null when none is configured (no --os-cloud, no
 * OS_CLOUD, no auth URL anywhere). Precedence as in openstackclient: the clouds.yaml entry, then
 * OS_* variables over it, then options over both.
 */
export function keystoneSettings(
  flags: GlobalFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  files: { cwd?: string; home?: string } = {},
): AuthSettings | null {
  const cloudName = (flags['os-cloud'] as string | undefined) || env.OS_CLOUD || undefined;
  const fromEnvironment = settingsFromEnvironment(env);
  const fromOptions: AuthSettings = {};
  for (const [option, key] of Object.entries(OPTION_SETTINGS)) {
    const value = flags[option];
    if (typeof value === 'string' && value !== '') (fromOptions as Record<string, unknown>)[key] = value;
  }
  if (flags.insecure) fromOptions.insecure = true;
  if (!cloudName && !fromOptions.authUrl && !fromEnvironment.authUrl) return null;
  let fromCloud: AuthSettings = {};
  if (cloudName) {
    try {
      fromCloud = loadCloud(cloudName, { ...files, env });
    } catch (error) {
      throw asCliError(error);
    }
  }
  return { ...fromCloud, ...fromEnvironment, ...fromOptions };
}

/** Logs in and finds the image endpoint (or takes `imageUrl` as given). */
export async function loginForImageService(
  settings: AuthSettings,
  options: { imageUrl?: string; timeoutSeconds?: number; userAgent: string },
): Promise<ImageServiceConnection> {
  try {
    const login = await loginToImageService(
      { ...settings, imageEndpointOverride: options.imageUrl ?? settings.imageEndpointOverride },
      {
        timeoutMs: options.timeoutSeconds === undefined ? 30_000 : options.timeoutSeconds * 1000,
        userAgent: options.userAgent,
      },
    );
    return { imageUrl: login.imageUrl, token: login.token };
  } catch (error) {
    throw asCliError(error);
  }
}

function asCliError(error: unknown): Error {
  if (
    error instanceof CloudConfigError ||
    error instanceof KeystoneAuthenticationError ||
    error instanceof KeystoneUnavailableError ||
    error instanceof KeystoneServiceError ||
    error instanceof EndpointNotFoundError
  ) {
    return new CliError(error.message);
  }
  return error instanceof Error ? error : new Error(String(error));
}
