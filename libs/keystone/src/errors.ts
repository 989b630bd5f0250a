/**
 * What can go wrong talking to Keystone, by what the caller should do about it: a service answers
 * 503 for KeystoneUnavailableError and KeystoneServiceError (the client can retry; the operator
 * has to look), a CLI prints the message and exits 1.
 */

/** Keystone did not answer in time, refused the connection or answered 5xx. */
export class KeystoneUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeystoneUnavailableError';
  }
}

/** Keystone refused a login (401): wrong password, unknown user or project, disabled user. */
export class KeystoneAuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeystoneAuthenticationError';
  }
}

/**
 * Keystone answered, but not as it should for a working deployment: 403 on token validation (the
 * service user lacks the service role), an unexpected status or a malformed body.
 */
export class KeystoneServiceError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'KeystoneServiceError';
  }
}

/** The service catalog has no endpoint for what the caller needs. */
export class EndpointNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointNotFoundError';
  }
}

/** clouds.yaml is missing, unreadable, or names no such cloud. */
export class CloudConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudConfigError';
  }
}
