import type { IncomingHttpHeaders } from 'node:http';
import type { KeystoneAuthConfig } from '@glance-ts/config';
import {
  identityV3Url,
  IdentityClient,
  KeystoneSession,
  type TokenInfo,
  type TokenValidation,
  TokenValidator,
} from '@glance-ts/keystone';
import { GlanceHttpError } from '../http/glance-error';
import { type AuthOutcome, type AuthStrategy, IdentitiesWithService, type Identity } from './auth-strategy';

/** keystonemiddleware's answer when it cannot validate a token. */
export const KEYSTONE_UNAVAILABLE_MESSAGE = 'The Keystone service is temporarily unavailable.';

export interface AuthLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const firstHeader = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * `[auth] strategy = keystone`: X-Auth-Token (and X-Service-Token) validated against Keystone as
 * keystonemiddleware's auth_token does (the decision itself lives in @glance-ts/keystone). Warm
 * tokens answer from the cache synchronously; a cold one costs one GET /v3/auth/tokens.
 *
 * Keystone unreachable, or refusing glance-ts's own login, is a 503 ("The Keystone service is
 * temporarily unavailable.") and a log line naming the cause, once per cause until Keystone answers
 * again. Glance itself answers 401 then (its paste pipeline defers the decision, and an
 * unvalidated token looks anonymous): a 503 tells clients to retry, not to re-authenticate.
 */
export class KeystoneStrategy implements AuthStrategy {
  readonly name = 'keystone';
  readonly rejectionHeaders: Readonly<Record<string, string>>;
  private readonly client: IdentityClient;
  private readonly validator: TokenValidator;
  /** One Identity per token info (and per pair with a service token's): request contexts stay cached. */
  private readonly identities = new WeakMap<TokenInfo, Identity>();
  private readonly withService = new IdentitiesWithService<TokenInfo>();
  /** The failure last logged, so a Keystone outage is one line, not one per request. */
  private lastFailure: string | null = null;

  constructor(
    config: KeystoneAuthConfig,
    private readonly log: AuthLogger,
  ) {
    this.rejectionHeaders = { 'www-authenticate': `Keystone uri="${config.wwwAuthenticateUri}"` };
    this.client = new IdentityClient(identityV3Url(config.authUrl), {
      timeoutMs: config.httpConnectTimeout * 1000,
      retries: config.httpRequestMaxRetries,
      cafile: config.cafile,
      insecure: config.insecure,
      userAgent: 'glance-ts keystone auth',
    });
    this.validator = new TokenValidator({
      client: this.client,
      session: new KeystoneSession(this.client, config.credentials, { catalog: false }),
      serviceTokenRoles: config.serviceTokenRoles,
      serviceTokenRolesRequired: config.serviceTokenRolesRequired,
      cacheTimeSeconds: config.tokenCacheTime,
      log: { warn: (message) => log.warn(message) },
    });
  }

  authenticate(headers: IncomingHttpHeaders): AuthOutcome | Promise<AuthOutcome> {
    const userToken = firstHeader(headers['x-auth-token']);
    const serviceToken = firstHeader(headers['x-service-token']);
    const cached = this.validator.cached(userToken, serviceToken);
    if (cached) return this.identityOf(cached);
    return this.validator.validate(userToken, serviceToken).then(
      (validation) => {
        if (this.lastFailure !== null) {
          this.log.info(`Keystone validates tokens again (after: ${this.lastFailure})`);
          this.lastFailure = null;
        }
        return this.identityOf(validation);
      },
      (error: unknown) => {
        const cause = error instanceof Error ? error.message : String(error);
        if (cause !== this.lastFailure) {
          this.log.error(`cannot validate tokens, answering 503: ${cause}`);
          this.lastFailure = cause;
        }
        throw new GlanceHttpError(503, KEYSTONE_UNAVAILABLE_MESSAGE);
      },
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private identityOf(validation: TokenValidation): Identity | null {
    if (!validation.valid) return null;
    const { user, service } = validation;
    let identity = this.identities.get(user);
    if (!identity) {
      identity = {
        userId: user.userId,
        projectId: user.projectId,
        roles: user.roles,
        userName: user.userName,
        projectName: user.projectName,
        userDomainId: user.userDomainId,
        projectDomainId: user.projectDomainId,
        domainId: user.domainId,
        systemScope: user.systemScope,
        isAdminProject: user.isAdminProject,
      };
      this.identities.set(user, identity);
    }
    if (!service) return identity;
    return this.withService.get(identity, service, () => ({
      userId: service.userId,
      projectId: service.projectId,
      roles: service.roles,
    }));
  }
}
