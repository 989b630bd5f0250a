/**
 * What a Keystone v3 login needs, with keystoneauth's plugin names: `password` (a user, by name and
 * domain or by id, scoped to a project, a domain or the system) and `v3applicationcredential`
 * (the credential carries its own scope). Absent or null fields are not sent.
 */
export type KeystoneCredentials = PasswordCredentials | ApplicationCredentialCredentials;

export interface PasswordCredentials {
  type: 'password';
  username?: string | null;
  userId?: string | null;
  password: string;
  userDomainName?: string | null;
  userDomainId?: string | null;
  projectName?: string | null;
  projectId?: string | null;
  projectDomainName?: string | null;
  projectDomainId?: string | null;
  /** Domain scope, instead of a project. */
  domainName?: string | null;
  domainId?: string | null;
  /** `all`: a system-scoped token, instead of a project. */
  systemScope?: string | null;
}

export interface ApplicationCredentialCredentials {
  type: 'v3applicationcredential';
  applicationCredentialId?: string | null;
  /** By name, with the user who owns it. */
  applicationCredentialName?: string | null;
  username?: string | null;
  userId?: string | null;
  userDomainName?: string | null;
  userDomainId?: string | null;
  applicationCredentialSecret: string;
}

const given = (value: string | null | undefined): value is string =>
  typeof value === 'string' && value !== '';

function domainRef(id: string | null | undefined, name: string | null | undefined) {
  if (given(id)) return { id };
  if (given(name)) return { name };
  return undefined;
}

function userRef(credentials: {
  userId?: string | null;
  username?: string | null;
  userDomainId?: string | null;
  userDomainName?: string | null;
}): Record<string, unknown> {
  if (given(credentials.userId)) return { id: credentials.userId };
  const domain = domainRef(credentials.userDomainId, credentials.userDomainName ?? 'Default');
  return { name: credentials.username, ...(domain ? { domain } : {}) };
}

/** The body of POST /v3/auth/tokens for these credentials. */
export function loginBody(credentials: KeystoneCredentials): Record<string, unknown> {
  if (credentials.type === 'v3applicationcredential') {
    const applicationCredential = given(credentials.applicationCredentialId)
      ? { id: credentials.applicationCredentialId, secret: credentials.applicationCredentialSecret }
      : {
          name: credentials.applicationCredentialName,
          secret: credentials.applicationCredentialSecret,
          user: userRef(credentials),
        };
    return {
      auth: {
        identity: { methods: ['application_credential'], application_credential: applicationCredential },
      },
    };
  }
  const identity = {
    methods: ['password'],
    password: { user: { ...userRef(credentials), password: credentials.password } },
  };
  let scope: Record<string, unknown> | undefined;
  if (given(credentials.projectId)) scope = { project: { id: credentials.projectId } };
  else if (given(credentials.projectName)) {
    const domain = domainRef(credentials.projectDomainId, credentials.projectDomainName ?? 'Default');
    scope = { project: { name: credentials.projectName, ...(domain ? { domain } : {}) } };
  } else if (given(credentials.domainId) || given(credentials.domainName)) {
    scope = { domain: domainRef(credentials.domainId, credentials.domainName) };
  } else if (given(credentials.systemScope)) {
    scope = { system: { [credentials.systemScope]: true } };
  }
  return { auth: { identity, ...(scope ? { scope } : {}) } };
}

/** Who logs in, for messages: never the password or secret. */
export function describeCredentials(credentials: KeystoneCredentials): string {
  if (credentials.type === 'v3applicationcredential') {
    return `application credential ${credentials.applicationCredentialId ?? credentials.applicationCredentialName}`;
  }
  return `user ${credentials.username ?? credentials.userId}`;
}
