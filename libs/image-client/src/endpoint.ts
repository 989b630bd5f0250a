import { InvalidImageUrlError } from './errors';

export interface ImageEndpoint {
  /** Base URL requests are resolved against, without a trailing slash or version segment. */
  base: string;
  /** Major version named by a trailing /vN or /vN.M segment of the URL, if any. */
  urlVersion?: number;
}

/**
 * glanceclient's strip_version(), made robust: the URL may carry a path prefix (a proxy's
 * http://host/image), trailing slashes and a version segment (http://host:9292/v2/); API paths
 * such as /v2/info/stores are resolved below the prefix with the version segment removed.
 */
export function parseImageUrl(imageUrl: string): ImageEndpoint {
  let url: URL;
  try {
    url = new URL(imageUrl.trim());
  } catch {
    throw new InvalidImageUrlError(
      `Invalid image URL "${imageUrl}": expected an absolute http:// or https:// URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidImageUrlError(
      `Invalid image URL "${imageUrl}": expected an absolute http:// or https:// URL`,
    );
  }
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  let urlVersion: number | undefined;
  const version = /^v(\d+)(?:\.\d+)?$/.exec(segments[segments.length - 1] ?? '');
  if (version) {
    urlVersion = Number(version[1]);
    segments.pop();
  }
  const base = url.origin + (segments.length > 0 ? `/${segments.join('/')}` : '');
  return { base, urlVersion };
}
