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
} from '@glance-ts/keystone';
import type { GlobalFlagValues, ImageServiceConnection } from '../base-command';
import { CliError } from './errors';
import { KEYSTONE_SETTING_OPTIONS } from './global-options';

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
  const fromEnvironment: AuthSettings = {};
  const fromOptions: AuthSettings = {};
  // Empty values count as unset, as in openstacksdk. Later options of the same setting win
  // (--os-interface over glanceclient's --os-endpoint-type).
  for (const option of KEYSTONE_SETTING_OPTIONS) {
    const variable = [option.env, ...(option.envFallbacks ?? [])].map((name) => env[name]).find(Boolean);
    if (variable) (fromEnvironment as Record<string, unknown>)[option.setting] = variable;
    const value = flags[option.name];
    if (typeof value === 'string' && value !== '')
      (fromOptions as Record<string, unknown>)[option.setting] = value;
  }
  if (flags.insecure || /^(1|true|yes|on)$/i.test(env.OS_INSECURE ?? '')) fromOptions.insecure = true;
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
