import { KeystoneServiceError } from './errors';

/** One endpoint of a catalog entry, as Keystone v3 lists it. */
export interface CatalogEndpoint {
  url: string;
  interface: string;
  region: string | null;
  regionId: string | null;
}

/** A service in the token's catalog. */
export interface CatalogService {
  type: string;
  name: string | null;
  endpoints: CatalogEndpoint[];
}

/** What a Keystone v3 token says about its holder (the `token` object of /v3/auth/tokens). */
export interface TokenInfo {
  userId: string;
  userName: string | null;
  userDomainId: string | null;
  userDomainName: string | null;
  /** Project scope; null for domain- or system-scoped and unscoped tokens. */
  projectId: string | null;
  projectName: string | null;
  projectDomainId: string | null;
  /** Domain scope (a domain-scoped token). */
  domainId: string | null;
  domainName: string | null;
  /** System scope: `all` for a system-scoped token, else null. */
  systemScope: string | null;
  /** Role names as Keystone spells them. */
  roles: string[];
  expiresAt: Date;
  /** When Keystone issued it (`issued_at`); expiresAt when Keystone leaves it out. */
  issuedAt: Date;
  /** Keystone's `is_admin_project`; true when Keystone leaves it out (keystonemiddleware's default). */
  isAdminProject: boolean;
  /** The service catalog; empty when asked for without one (`?nocatalog`). */
  catalog: CatalogService[];
}

type Json = Record<string, unknown>;

const object = (value: unknown): Json | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Reads the body of POST or GET /v3/auth/tokens; a body that is not a v3 token is a KeystoneServiceError. */
export function parseTokenBody(body: unknown): TokenInfo {
  const token = object(object(body)?.token);
  const user = object(token?.user);
  const userId = text(user?.id);
  const expiresAt = validDate(text(token?.expires_at));
  if (!token || !user || userId === null || !expiresAt) {
    throw new KeystoneServiceError('Keystone answered with a body that is not a v3 token');
  }
  const project = object(token.project);
  const domain = object(token.domain);
  const system = object(token.system);
  const roles = Array.isArray(token.roles)
    ? token.roles.map((role) => text(object(role)?.name)).filter((name): name is string => name !== null)
    : [];
  return {
    userId,
    userName: text(user.name),
    userDomainId: text(object(user.domain)?.id),
    userDomainName: text(object(user.domain)?.name),
    projectId: text(project?.id),
    projectName: text(project?.name),
    projectDomainId: text(object(project?.domain)?.id),
    domainId: text(domain?.id),
    domainName: text(domain?.name),
    systemScope: system && system.all === true ? 'all' : null,
    roles,
    expiresAt,
    issuedAt: validDate(text(token.issued_at)) ?? expiresAt,
    isAdminProject: typeof token.is_admin_project === 'boolean' ? token.is_admin_project : true,
    catalog: Array.isArray(token.catalog) ? token.catalog.map(parseCatalogService).filter(isService) : [],
  };
}

function validDate(value: string | null): Date | null {
  const date = value === null ? null : new Date(value);
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

const isService = (service: CatalogService | null): service is CatalogService => service !== null;

function parseCatalogService(entry: unknown): CatalogService | null {
  const service = object(entry);
  const type = text(service?.type);
  if (!service || type === null) return null;
  const endpoints = Array.isArray(service.endpoints) ? service.endpoints : [];
  return {
    type,
    name: text(service.name),
    endpoints: endpoints.flatMap((candidate) => {
      const endpoint = object(candidate);
      const url = text(endpoint?.url);
      const kind = text(endpoint?.interface);
      if (!endpoint || url === null || kind === null) return [];
      return [{ url, interface: kind, region: text(endpoint.region), regionId: text(endpoint.region_id) }];
    }),
  };
}
