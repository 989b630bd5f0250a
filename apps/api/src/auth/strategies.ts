import type { IncomingHttpHeaders } from 'node:http';
import { type GlanceConfig, loadTokenFile, type TokenIdentity } from '@glance-ts/config';
import {
  type AuthStrategy,
  type Identity,
  IdentitiesWithService,
  SERVICE_TOKEN_ROLE,
  type ServiceIdentity,
} from './auth-strategy';
import { type AuthLogger, KeystoneStrategy } from './keystone-strategy';

const firstHeader = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const splitList = (value: string | undefined): string[] =>
  value
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

/**
 * Tokens from a YAML/JSON file, sent in X-Auth-Token (what glanceclient's --os-auth-token does). A
 * second token in X-Service-Token is a service's own token, as keystonemiddleware reads it: unknown
 * → 401; known, its roles count as `service_roles` only when they include the service role.
 */
export class TokenFileStrategy implements AuthStrategy {
  readonly name = 'token_file';
  private readonly withService = new IdentitiesWithService<TokenIdentity>();

  constructor(private readonly tokens: ReadonlyMap<string, TokenIdentity>) {}

  authenticate(headers: IncomingHttpHeaders): Identity | null {
    const token = firstHeader(headers['x-auth-token']);
    if (!token) return null;
    const user = this.tokens.get(token);
    if (!user) return null;
    const serviceToken = firstHeader(headers['x-service-token']);
    if (serviceToken === undefined) return user;
    const service = this.tokens.get(serviceToken);
    if (!service) return null;
    if (!service.roles.includes(SERVICE_TOKEN_ROLE)) return user;
    return this.withService.get(user, service, () => ({
      userId: service.userId,
      projectId: service.projectId,
      roles: service.roles,
    }));
  }
}

/**
 * Development only: everyone is the configured user with the configured roles. A loud start-up
 * warning says so; Glance's `noauth` paste flavor has the same trust model.
 */
export class NoAuthStrategy implements AuthStrategy {
  readonly name = 'noauth';
  private readonly identity: Identity;
  constructor(config: GlanceConfig['auth']) {
    this.identity = {
      userId: config.noauthUserId,
      projectId: config.noauthProjectId,
      roles: config.noauthRoles,
    };
  }

  authenticate(): Identity {
    return this.identity;
  }

  startupWarning(): string {
    return (
      `AUTHENTICATION IS DISABLED ([auth] strategy = noauth): every request acts as user ` +
      `${this.identity.userId} with roles ${this.identity.roles.join(',')}. Never expose this service.`
    );
  }
}

/**
 * Identity from the headers keystonemiddleware sets (X-Identity-Status, X-Roles, X-User-Id,
 * X-Project-Id, legacy X-Tenant-Id). Only for deployments where an authenticating proxy in front
 * strips and sets these headers; otherwise anyone can claim any role.
 */
export class TrustedHeadersStrategy implements AuthStrategy {
  readonly name = 'trusted_headers';

  authenticate(headers: IncomingHttpHeaders): Identity | null {
    if (firstHeader(headers['x-identity-status'])?.toLowerCase() !== 'confirmed') return null;
    // keystonemiddleware rejects a request whose service token did not validate.
    const serviceStatus = firstHeader(headers['x-service-identity-status']);
    if (serviceStatus !== undefined && serviceStatus.toLowerCase() !== 'confirmed') return null;
    const service: ServiceIdentity | undefined =
      serviceStatus === undefined
        ? undefined
        : {
            userId: firstHeader(headers['x-service-user-id']) ?? null,
            projectId: firstHeader(headers['x-service-project-id']) ?? null,
            roles: splitList(firstHeader(headers['x-service-roles'])),
          };
    return {
      userId: firstHeader(headers['x-user-id']) ?? null,
      projectId: firstHeader(headers['x-project-id']) ?? firstHeader(headers['x-tenant-id']) ?? null,
      userName: firstHeader(headers['x-user-name']) ?? firstHeader(headers['x-user']) ?? null,
      projectName: firstHeader(headers['x-project-name']) ?? firstHeader(headers['x-tenant-name']) ?? null,
      roles: splitList(firstHeader(headers['x-roles'])),
      ...(service ? { service } : {}),
    };
  }

  startupWarning(): string {
    return 'trusting identity headers ([auth] strategy = trusted_headers): only run behind an authenticating proxy.';
  }
}

export function createAuthStrategy(auth: GlanceConfig['auth'], log: AuthLogger): AuthStrategy {
  switch (auth.strategy) {
    case 'keystone':
      if (!auth.keystone) throw new Error('[keystone_authtoken] is required for strategy keystone');
      return new KeystoneStrategy(auth.keystone, log);
    case 'token_file':
      if (!auth.tokenFile) throw new Error('[auth] token_file is required for strategy token_file');
      return new TokenFileStrategy(loadTokenFile(auth.tokenFile));
    case 'noauth':
      return new NoAuthStrategy(auth);
    case 'trusted_headers':
      return new TrustedHeadersStrategy();
  }
}
