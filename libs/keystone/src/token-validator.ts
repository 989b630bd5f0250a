import { KeystoneAuthenticationError } from './errors';
import { type IdentityClient, MAX_TOKEN_LENGTH } from './identity-client';
import type { KeystoneSession } from './session';
import { TokenCache } from './token-cache';
import type { TokenInfo } from './token-info';

export interface TokenValidatorOptions {
  client: IdentityClient;
  /** The service's own login, whose token validates the callers' (it needs the service role). */
  session: KeystoneSession;
  /** A service token counts only with one of these roles (compared lower-cased). */
  serviceTokenRoles: readonly string[];
  /** True: a valid service token without such a role makes the request invalid. False: it is ignored. */
  serviceTokenRolesRequired: boolean;
  /** Seconds a validated token is trusted without asking Keystone; 0 or less: always ask. */
  cacheTimeSeconds: number;
  /** Bound of the cache (tokens). */
  cacheSize?: number;
  log?: { warn(message: string): void };
  now?: () => number;
}

/** The outcome for a request: who it is, or why it is refused (for the log, never the caller). */
export type TokenValidation =
  { valid: true; user: TokenInfo; service: TokenInfo | null } | { valid: false; reason: string };

type ServiceDecision = { refused: TokenValidation } | { service: TokenInfo | null; allowExpired: boolean };

/**
 * keystonemiddleware's auth_token decision, minus the WSGI: a user token (X-Auth-Token) and an
 * optional service token (X-Service-Token) in, an identity or a refusal out.
 * - The service token is validated first. It counts only with one of `serviceTokenRoles`; then its
 *   holder reaches the caller as `service`, and an expired user token is still accepted
 *   (`allow_expired`: a long Nova or Cinder operation outlives the user's token). Without the role
 *   it is refused when `serviceTokenRolesRequired`, else ignored with a warning: glance-ts does not
 *   pass its roles on, where keystonemiddleware does (a non-service token is no service token).
 * - Validated tokens are cached (by hash), so a warm request costs no Keystone round trip;
 *   concurrent requests with the same cold token share one validation. Expiry is checked on every
 *   use, cached or not.
 * Keystone being unreachable or misconfigured is thrown (KeystoneUnavailableError,
 * KeystoneServiceError), never reported as an invalid token.
 */
export class TokenValidator {
  private readonly cache: TokenCache<TokenInfo>;
  private readonly inFlight = new Map<string, Promise<TokenInfo | null>>();
  private readonly serviceTokenRoles: ReadonlySet<string>;
  private readonly now: () => number;
  private warnedAboutServiceRoles = false;

  constructor(private readonly options: TokenValidatorOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new TokenCache(options.cacheTimeSeconds * 1000, options.cacheSize ?? 10_000, this.now);
    this.serviceTokenRoles = new Set(options.serviceTokenRoles.map((role) => role.toLowerCase()));
  }

  /** The outcome from the cache alone, or undefined when a token needs asking Keystone. */
  cached(userToken: string | undefined, serviceToken?: string): TokenValidation | undefined {
    const user = cleanToken(userToken);
    if (user === null) return refused('no user token');
    let decision: ServiceDecision = { service: null, allowExpired: false };
    if (serviceToken !== undefined) {
      const service = cleanToken(serviceToken);
      if (service === null) return refused('malformed service token');
      const info = this.cache.get(TokenCache.key(service));
      if (!info) return undefined;
      decision = this.judgeService(info);
      if ('refused' in decision) return decision.refused;
    }
    const info = this.cache.get(TokenCache.key(user));
    return info ? this.judgeUser(info, decision) : undefined;
  }

  /** The outcome, asking Keystone for what the cache does not know. */
  async validate(userToken: string | undefined, serviceToken?: string): Promise<TokenValidation> {
    const fromCache = this.cached(userToken, serviceToken);
    if (fromCache) return fromCache;
    const user = cleanToken(userToken) as string;
    let decision: ServiceDecision = { service: null, allowExpired: false };
    if (serviceToken !== undefined) {
      decision = this.judgeService(await this.fetch(cleanToken(serviceToken) as string, false));
      if ('refused' in decision) return decision.refused;
    }
    return this.judgeUser(await this.fetch(user, decision.allowExpired), decision);
  }

  private judgeService(info: TokenInfo | null): ServiceDecision {
    if (!info || this.expired(info)) return { refused: refused('invalid service token') };
    const hasRole = info.roles.some((role) => this.serviceTokenRoles.has(role.toLowerCase()));
    if (hasRole) return { service: info, allowExpired: true };
    if (this.options.serviceTokenRolesRequired) {
      return { refused: refused('service token without a service_token_roles role') };
    }
    if (!this.warnedAboutServiceRoles) {
      this.warnedAboutServiceRoles = true;
      this.options.log?.warn(
        `A valid token was sent as X-Service-Token without any of the roles ${[...this.serviceTokenRoles].join(', ')} ` +
          `(service_token_roles): it is ignored (user ${info.userId}). Set service_token_roles_required = true to refuse such requests.`,
      );
    }
    return { service: null, allowExpired: false };
  }

  private judgeUser(info: TokenInfo | null, decision: { service: TokenInfo | null; allowExpired: boolean }) {
    if (!info) return refused('invalid user token');
    if (!decision.allowExpired && this.expired(info)) return refused('expired user token');
    return { valid: true as const, user: info, service: decision.service };
  }

  private expired(info: TokenInfo): boolean {
    return info.expiresAt.getTime() <= this.now();
  }

  /** Asks Keystone (once for concurrent askers); caches what it knows. */
  private fetch(token: string, allowExpired: boolean): Promise<TokenInfo | null> {
    const key = TokenCache.key(token);
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    const flightKey = `${allowExpired ? 'e' : 'v'}${key}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.ask(token, allowExpired)
        .then((info) => {
          if (info) this.cache.set(key, info);
          return info;
        })
        .finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    return flight;
  }

  /** One validation; when Keystone no longer takes the service's own token, logs in again once. */
  private async ask(token: string, allowExpired: boolean): Promise<TokenInfo | null> {
    const own = await this.options.session.token();
    try {
      return await this.options.client.validateToken(own.token, token, { allowExpired });
    } catch (error) {
      if (!(error instanceof KeystoneAuthenticationError)) throw error;
      this.options.session.invalidate(own.token);
      const renewed = await this.options.session.token();
      try {
        return await this.options.client.validateToken(renewed.token, token, { allowExpired });
      } catch (again) {
        // Keystone revokes by the second: a login in the second of a revocation may be dead too.
        // The next request logs in afresh.
        if (again instanceof KeystoneAuthenticationError) this.options.session.invalidate(renewed.token);
        throw again;
      }
    }
  }
}

const refused = (reason: string): TokenValidation => ({ valid: false, reason });

/** keystonemiddleware strips blanks around a token; an empty or oversized one is no token. */
function cleanToken(token: string | undefined): string | null {
  const trimmed = token?.trim();
  return trimmed && trimmed.length <= MAX_TOKEN_LENGTH ? trimmed : null;
}
