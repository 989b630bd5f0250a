import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, errors as undiciErrors, request } from 'undici';
import { describeCredentials, type KeystoneCredentials, loginBody } from './credentials';
import { KeystoneAuthenticationError, KeystoneServiceError, KeystoneUnavailableError } from './errors';
import { parseTokenBody, type TokenInfo } from './token-info';

export interface IdentityClientOptions {
  /** Per attempt: connecting and receiving the answer (keystonemiddleware's http_connect_timeout). */
  timeoutMs?: number;
  /** Further attempts after a connection failure or timeout (http_request_max_retries). */
  retries?: number;
  /** PEM CA bundle for https. */
  cafile?: string | null;
  /** Skip TLS verification. */
  insecure?: boolean;
  userAgent?: string;
}

/** A token Keystone issued: the secret itself and what it says. */
export interface IssuedToken {
  token: string;
  info: TokenInfo;
}

/** Tokens longer than this are not sent to Keystone (a Fernet token is under 300 bytes). */
export const MAX_TOKEN_LENGTH = 8192;

/** Error codes of a connection that failed or timed out: worth another attempt. */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

interface KeystoneAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * Keystone's v3 Identity API over one keep-alive connection pool: logging in and validating
 * tokens. Every call is bounded (timeoutMs per attempt, `retries` more attempts for connection
 * failures only, with short back-off) and ends in an answer or one of the errors in ./errors.
 */
export class IdentityClient {
  readonly authUrl: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly userAgent: string;

  constructor(authUrl: string, options: IdentityClientOptions = {}) {
    this.authUrl = authUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.userAgent = options.userAgent ?? 'glance-ts';
    const ca = options.cafile ? readFileSync(options.cafile) : undefined;
    this.agent = new Agent({
      connect: { timeout: this.timeoutMs, ca, rejectUnauthorized: !options.insecure },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /** POST /v3/auth/tokens: a new token for these credentials, with its catalog unless told otherwise. */
  async issueToken(
    credentials: KeystoneCredentials,
    options: { catalog?: boolean; retries?: number } = {},
  ): Promise<IssuedToken> {
    const query = options.catalog === false ? '?nocatalog' : '';
    const answer = await this.call(
      'POST',
      `/auth/tokens${query}`,
      { 'content-type': 'application/json' },
      JSON.stringify(loginBody(credentials)),
      options.retries,
    );
    if (answer.status === 401 || answer.status === 404) {
      throw new KeystoneAuthenticationError(
        `Keystone at ${this.authUrl} refused the login of ${describeCredentials(credentials)} (HTTP ${answer.status}): ${keystoneMessage(answer.body)}`,
      );
    }
    if (answer.status !== 201 && answer.status !== 200) throw this.unexpected('login', answer);
    const token = header(answer.headers, 'x-subject-token');
    if (!token)
      throw new KeystoneServiceError('Keystone issued a token without X-Subject-Token', answer.status);
    return { token, info: parseTokenBody(answer.body) };
  }

  /**
   * GET /v3/auth/tokens (`?nocatalog`): what `subjectToken` says, or null when Keystone does not
   * know it (404: invalid, expired, revoked, its user or project gone). `authToken` is the caller's
   * own token; a KeystoneAuthenticationError means Keystone no longer accepts that one (401).
   */
  async validateToken(
    authToken: string,
    subjectToken: string,
    options: { allowExpired?: boolean; retries?: number } = {},
  ): Promise<TokenInfo | null> {
    const query = options.allowExpired ? '?nocatalog&allow_expired=1' : '?nocatalog';
    const answer = await this.call(
      'GET',
      `/auth/tokens${query}`,
      { 'x-auth-token': authToken, 'x-subject-token': subjectToken },
      undefined,
      options.retries,
    );
    if (answer.status === 404) return null;
    if (answer.status === 401) {
      throw new KeystoneAuthenticationError(`Keystone no longer accepts the validating token (HTTP 401)`);
    }
    if (answer.status === 403) {
      throw new KeystoneServiceError(
        `Keystone refused to validate tokens for this service user (HTTP 403): it needs the service role (or admin) in its project`,
        403,
      );
    }
    if (answer.status !== 200) throw this.unexpected('token validation', answer);
    return parseTokenBody(answer.body);
  }

  /** DELETE /v3/auth/tokens: revokes `subjectToken` (a log-out, for one's own token). */
  async revokeToken(authToken: string, subjectToken: string): Promise<void> {
    const answer = await this.call('DELETE', '/auth/tokens', {
      'x-auth-token': authToken,
      'x-subject-token': subjectToken,
    });
    if (answer.status !== 204 && answer.status !== 404) throw this.unexpected('token revocation', answer);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private unexpected(what: string, answer: KeystoneAnswer): Error {
    const detail = `Keystone answered the ${what} with HTTP ${answer.status}: ${keystoneMessage(answer.body)}`;
    return answer.status >= 500
      ? new KeystoneUnavailableError(detail)
      : new KeystoneServiceError(detail, answer.status);
  }

  private async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    headers: Record<string, string>,
    body?: string,
    retries = this.retries,
  ): Promise<KeystoneAnswer> {
    const url = `${this.authUrl}${path}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await request(url, {
          method,
          dispatcher: this.agent,
          headers: { accept: 'application/json', 'user-agent': this.userAgent, ...headers },
          body,
        });
        const text = await response.body.text();
        let parsed: unknown = null;
        if (text !== '') {
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text;
          }
        }
        return { status: response.statusCode, headers: response.headers, body: parsed };
      } catch (error) {
        const code = errorCode(error);
        const retryable = code !== undefined && RETRYABLE_CODES.has(code);
        if (retryable && attempt < retries) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        if (retryable || error instanceof undiciErrors.UndiciError) {
          throw new KeystoneUnavailableError(
            `Keystone at ${this.authUrl} did not answer (${code ?? (error as Error).message}) after ${attempt + 1} attempt${attempt ? 's' : ''}`,
          );
        }
        throw new KeystoneUnavailableError(
          `Keystone at ${this.authUrl} cannot be reached: ${(error as Error).message}`,
        );
      }
    }
  }
}

function header(headers: KeystoneAnswer['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Keystone's error message (`{"error": {"message": ...}}`), or the body's start. */
function keystoneMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const message = (body as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message;
  }
  return typeof body === 'string' ? body.slice(0, 200) : 'no message';
}
