import { findEndpoint, parseInterface } from './catalog';
import { type AuthSettings, credentialsFromSettings, identityV3Url } from './clouds';
import { CloudConfigError } from './errors';
import { IdentityClient } from './identity-client';
import type { TokenInfo } from './token-info';

/** A client's login: the token to send (kept in memory only) and the image API to send it to. */
export interface ImageServiceLogin {
  token: string;
  /** The image endpoint: `imageEndpointOverride`, else the catalog's `image` entry. */
  imageUrl: string;
  info: TokenInfo;
}

/**
 * Logs in with `settings` (resolved from options, OS_* variables and clouds.yaml by the caller) and
 * finds the image endpoint in the token's catalog, for the interface (default public) and region
 * asked. Throws CloudConfigError (settings), KeystoneAuthenticationError (refused login),
 * KeystoneUnavailableError (no answer) or EndpointNotFoundError (no image endpoint).
 */
export async function loginToImageService(
  settings: AuthSettings,
  options: { timeoutMs?: number; retries?: number; userAgent?: string } = {},
): Promise<ImageServiceLogin> {
  const { authUrl, credentials } = credentialsFromSettings(settings);
  const wantedInterface = settings.interface === undefined ? 'public' : parseInterface(settings.interface);
  if (wantedInterface === null) {
    throw new CloudConfigError(`Invalid interface ${settings.interface}: use public, internal or admin`);
  }
  const client = new IdentityClient(identityV3Url(authUrl), {
    timeoutMs: options.timeoutMs,
    retries: options.retries ?? 1,
    cafile: settings.cacert,
    insecure: settings.insecure,
    userAgent: options.userAgent,
  });
  try {
    const issued = await client.issueToken(credentials, { catalog: true });
    const imageUrl =
      settings.imageEndpointOverride ??
      findEndpoint(issued.info.catalog, {
        type: 'image',
        interface: wantedInterface,
        region: settings.regionName,
      });
    return { token: issued.token, imageUrl, info: issued.info };
  } finally {
    await client.close();
  }
}
