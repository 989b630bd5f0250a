import type { IncomingHttpHeaders } from 'node:http';

/** What a strategy learns about the caller; the request context is built from it. */
export interface Identity {
  userId: string | null;
  projectId: string | null;
  roles: readonly string[];
  userName?: string | null;
  projectName?: string | null;
  /** Domains of the user and of the project (Keystone tokens carry them). */
  userDomainId?: string | null;
  projectDomainId?: string | null;
  /** Domain scope of a domain-scoped token. */
  domainId?: string | null;
  /** `all` for a system-scoped token. */
  systemScope?: string | null;
  /** Keystone's is_admin_project; true when unknown (keystonemiddleware's default). */
  isAdminProject?: boolean;
  /**
   * The service token's caller (X-Service-Token, as keystonemiddleware sets X-Service-*): roles
   * reach policy as `service_roles`. Absent without a service token, or when it does not count.
   */
  service?: ServiceIdentity;
}

/** Who a valid service token (Nova's or Cinder's own token, sent beside the user's) belongs to. */
export interface ServiceIdentity {
  userId: string | null;
  projectId: string | null;
  roles: readonly string[];
}

/**
 * One Identity object per (user, service token holder) pair: the auth hook caches request contexts
 * by Identity object, so a pair seen again must give the same object. `serviceKey` is whatever the
 * strategy knows the service token by (its token-file entry, its validated token info).
 */
export class IdentitiesWithService<K extends object> {
  private readonly byUser = new WeakMap<Identity, WeakMap<K, Identity>>();

  get(user: Identity, serviceKey: K, service: () => ServiceIdentity): Identity {
    let byService = this.byUser.get(user);
    if (!byService) this.byUser.set(user, (byService = new WeakMap()));
    let identity = byService.get(serviceKey);
    if (!identity) byService.set(serviceKey, (identity = { ...user, service: service() }));
    return identity;
  }
}

/** The role a service token must carry to count (keystonemiddleware's `service_token_roles` default). */
export const SERVICE_TOKEN_ROLE = 'service';

/** An identity, or null when the caller is not authenticated (→ 401). */
export type AuthOutcome = Identity | null;

/**
 * Turns request headers into an identity. Answers synchronously when it can (token files, trusted
 * headers, a Keystone token already in the cache), else with a promise (a Keystone round trip).
 * A GlanceHttpError thrown or rejected (503: Keystone unreachable) is the answer to the request.
 */
export interface AuthStrategy {
  readonly name: string;
  authenticate(headers: IncomingHttpHeaders): AuthOutcome | Promise<AuthOutcome>;
  /** Headers every 401 carries (keystone: `WWW-Authenticate: Keystone uri="..."`). */
  readonly rejectionHeaders?: Readonly<Record<string, string>>;
  /** Printed once at start-up (noauth uses it to warn loudly). */
  startupWarning?(): string | null;
  close?(): void | Promise<void>;
}
