import type { IncomingHttpHeaders } from 'node:http';

/** What a strategy learns about the caller; the request context is built from it. */
export interface Identity {
  userId: string | null;
  projectId: string | null;
  roles: readonly string[];
  userName?: string | null;
  projectName?: string | null;
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

/** The role a service token must carry to count (keystonemiddleware's `service_token_roles` default). */
export const SERVICE_TOKEN_ROLE = 'service';

/**
 * Turns request headers into an identity, or null when the caller is not authenticated (→ 401).
 * Strategies are synchronous and do no I/O per request: a Keystone strategy (a later issue) will
 * validate tokens through a cache refreshed off the request path, behind this same seam.
 */
export interface AuthStrategy {
  readonly name: string;
  authenticate(headers: IncomingHttpHeaders): Identity | null;
  /** Printed once at start-up (noauth uses it to warn loudly). */
  startupWarning?(): string | null;
  close?(): void;
}
