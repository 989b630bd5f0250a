import type { VersionsDto } from '@glance-ts/contracts';

/**
 * The newest v2 minor version served. 2.15 added /v2/info/stores/detail; 2.16 is Glance 25's.
 * 2.17 (the new location API) is announced once that API exists here.
 */
export const CURRENT_V2_MINOR = 16;

export function versionsDocument(baseUrl: string): VersionsDto {
  const href = `${baseUrl.replace(/\/+$/, '')}/v2/`;
  return {
    versions: Array.from({ length: CURRENT_V2_MINOR + 1 }, (_, i) => CURRENT_V2_MINOR - i).map((minor) => ({
      id: `v2.${minor}`,
      status: minor === CURRENT_V2_MINOR ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href }],
    })),
  };
}

/**
 * Glance's version negotiation, as a URL rewrite: `/v2.N/...` (N ≤ current) is served as
 * `/v2/...`; any path outside a known version (`/v1/...`, `/v3/...`, `/info/stores`) gets the
 * versions document (300), like `/`. `/versions` and the docs are served as they are.
 */
export function negotiateVersionUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  if (path === '/' || path === '/versions' || path === '/docs' || path.startsWith('/docs/')) return url;
  const match = /^\/v(\d+)(?:\.(\d+))?(\/.*)?$/.exec(path);
  if (match && match[1] === '2' && (match[2] === undefined || Number(match[2]) <= CURRENT_V2_MINOR)) {
    return `/v2${match[3] ?? ''}${query}`;
  }
  return '/';
}
