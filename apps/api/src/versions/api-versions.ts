import type { VersionsDto } from '@glance-ts/contracts';

/**
 * The v2 minor versions served, as Glance HEAD announces them without the image cache
 * (glance/api/versions.py; glance-ts has no cache): 2.17 (the location API) is CURRENT, and the
 * cache's 2.14, 2.16 and 2.18 are absent. The order is HEAD's own, 2.17 included where it puts it.
 * Multi-store adds 2.8 and 2.10-2.13 (2.9 is in both lists).
 */
export const CURRENT_V2_MINOR = 17;

export function servedMinorVersions(multiStore: boolean): number[] {
  return [15, ...(multiStore ? [13, 12, 11, 10, 9, 8] : [9]), 17, 7, 6, 5, 4, 3, 2, 1, 0];
}

export function versionsDocument(baseUrl: string, multiStore: boolean): VersionsDto {
  const href = `${baseUrl.replace(/\/+$/, '')}/v2/`;
  return {
    versions: servedMinorVersions(multiStore).map((minor) => ({
      id: `v2.${minor}`,
      status: minor === CURRENT_V2_MINOR ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href }],
    })),
  };
}

/**
 * Glance's version negotiation, as a URL rewrite: `/v2/...` and `/v2.N/...` for a served N are
 * served as `/v2/...`; any other path outside a known version (`/v1/...`, `/v2.16/...`,
 * `/info/stores`) gets the versions document (300), like `/`. `/versions` and the docs are served
 * as they are.
 */
export function versionNegotiator(multiStore: boolean): (url: string) => string {
  const served = new Set(servedMinorVersions(multiStore).map(String));
  return (url) => {
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt);
    if (path === '/' || path === '/versions' || path === '/docs' || path.startsWith('/docs/')) return url;
    const match = /^\/v(\d+)(?:\.(\d+))?(\/.*)?$/.exec(path);
    if (match && match[1] === '2' && (match[2] === undefined || served.has(match[2]))) {
      return `/v2${match[3] ?? ''}${query}`;
    }
    return '/';
  };
}
