import type { AuthSettings } from '@glance-ts/keystone';
import { ImageApiClient, type ImageApiClientOptions } from './client';

/** An image service by endpoint and token (sent as X-Auth-Token). */
export interface ImageServiceRef {
  /** Image API endpoint: `http://host:9292`, `http://host:9292/v2` or a prefix `https://host/image`. */
  url: string;
  token: string;
}

/**
 * Keystone credentials instead of a token: log in (as python-glanceclient would) and take the
 * image endpoint from the catalog, or `url` when given.
 */
export interface KeystoneImageServiceRef {
  keystone: AuthSettings;
  url?: string;
}

/** A client as given, or one for an endpoint and token, or for a Keystone login. */
export async function imageApiClientFor(
  ref: ImageApiClient | ImageServiceRef | KeystoneImageServiceRef,
  options: Omit<ImageApiClientOptions, 'imageUrl' | 'token'> = {},
): Promise<ImageApiClient> {
  if (ref instanceof ImageApiClient) return ref;
  if (!('keystone' in ref)) return new ImageApiClient({ ...options, imageUrl: ref.url, token: ref.token });
  // Loaded on use: a client built from a token never needs the Keystone library.
  const { loginToImageService } = await import('@glance-ts/keystone');
  const login = await loginToImageService({
    ...ref.keystone,
    imageEndpointOverride: ref.url ?? ref.keystone.imageEndpointOverride,
  });
  return new ImageApiClient({ ...options, imageUrl: login.imageUrl, token: login.token });
}
