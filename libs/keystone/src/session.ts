import type { KeystoneCredentials } from './credentials';
import type { IdentityClient, IssuedToken } from './identity-client';

/**
 * A logged-in Keystone user: its current token, renewed before it expires (or at once after
 * `invalidate`, when Keystone refused it: revoked, or its keys rotated). Concurrent callers share
 * one login.
 */
export class KeystoneSession {
  private current: IssuedToken | null = null;
  private pending: Promise<IssuedToken> | null = null;

  constructor(
    private readonly client: IdentityClient,
    private readonly credentials: KeystoneCredentials,
    private readonly options: { catalog?: boolean; now?: () => number } = {},
  ) {}

  /** The current token, logging in first when there is none or it is about to expire. */
  async token(): Promise<IssuedToken> {
    if (this.current && !this.expiringSoon(this.current)) return this.current;
    this.pending ??= this.client
      .issueToken(this.credentials, { catalog: this.options.catalog })
      .then((issued) => (this.current = issued))
      .finally(() => (this.pending = null));
    return this.pending;
  }

  /** Forgets `token` (if it is still the current one): the next call logs in again. */
  invalidate(token?: string): void {
    if (!token || this.current?.token === token) this.current = null;
  }

  /**
   * Renew a minute before expiry, or in the last quarter of a short lifetime (a Keystone with
   * minutes-long tokens), so a token never expires on its way to Keystone.
   */
  private expiringSoon({ info }: IssuedToken): boolean {
    const now = this.options.now?.() ?? Date.now();
    const lifetime = info.expiresAt.getTime() - info.issuedAt.getTime();
    return info.expiresAt.getTime() - now < Math.min(60_000, lifetime / 4);
  }
}
