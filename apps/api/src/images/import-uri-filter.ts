import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ImportFilteringConfig } from '@glance-ts/config';

/**
 * Glance's web-download URL filter (`validate_import_uri` with `normalize_hostname`), which
 * glance-ts applies to http location URLs from callers without the service role: the scheme, the
 * host and an explicit port against `[import_filtering_opts]` (an allow list, when set, replaces
 * its deny list), and a host name must resolve. The URL is parsed as the http store's client parses
 * it (WHATWG), so the filter and the connection cannot disagree about the host: numeric forms such
 * as `http://2130706433/` are normalised to the address they mean (and then meet the address
 * guard, see http-address-guard.ts).
 */
export async function isAllowedImportUri(url: string, filter: ImportFilteringConfig): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const schemesDenied = filter.allowedSchemes.length > 0 ? [] : filter.disallowedSchemes;
  if (filter.allowedSchemes.length > 0 && !filter.allowedSchemes.includes(scheme)) return false;
  if (schemesDenied.includes(scheme)) return false;

  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === '') return false;
  if (isIP(host) === 0 && !(await resolves(host))) return false;
  const hostsDenied = filter.allowedHosts.length > 0 ? [] : filter.disallowedHosts;
  if (filter.allowedHosts.length > 0 && !filter.allowedHosts.includes(host)) return false;
  if (hostsDenied.includes(host)) return false;

  const port = explicitPort(url);
  const portsDenied = filter.allowedPorts.length > 0 ? [] : filter.disallowedPorts;
  if (port !== null) {
    if (filter.allowedPorts.length > 0 && !filter.allowedPorts.includes(port)) return false;
    if (portsDenied.includes(port)) return false;
  }
  return true;
}

/**
 * The port written in the URL, as Python's urlparse reports it (WHATWG drops a scheme's default
 * port, which would let `http://host:80/` through a disallowed_ports = 80).
 */
function explicitPort(url: string): number | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::(\d+))?/i.exec(url);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** Glance refuses a host name that does not resolve (and so any encoded address form DNS rejects). */
async function resolves(host: string): Promise<boolean> {
  try {
    await lookup(host.endsWith('.') ? host : `${host}.`);
    return true;
  } catch {
    return false;
  }
}
