import { EndpointNotFoundError } from './errors';
import type { CatalogService } from './token-info';

export type EndpointInterface = 'public' | 'internal' | 'admin';

/**
 * keystoneauth's spellings of an interface: `public`, `publicURL` (v2 style), any case.
 * Returns null for anything else.
 */
export function parseInterface(value: string): EndpointInterface | null {
  const normalised = value.toLowerCase().replace(/url$/, '');
  return normalised === 'public' || normalised === 'internal' || normalised === 'admin' ? normalised : null;
}

/**
 * The URL of the catalog's endpoint for a service type, interface and (optionally) region, as
 * keystoneauth's `get_endpoint` picks it: the first matching entry.
 */
export function findEndpoint(
  catalog: readonly CatalogService[],
  wanted: { type: string; interface?: EndpointInterface; region?: string | null },
): string {
  const kind = wanted.interface ?? 'public';
  const region = wanted.region ?? null;
  for (const service of catalog) {
    if (service.type !== wanted.type) continue;
    for (const endpoint of service.endpoints) {
      if (endpoint.interface !== kind) continue;
      if (region !== null && endpoint.region !== region && endpoint.regionId !== region) continue;
      return endpoint.url;
    }
  }
  const where = region === null ? '' : ` in region ${region}`;
  throw new EndpointNotFoundError(
    `The service catalog has no ${kind} endpoint for service type ${wanted.type}${where}`,
  );
}
