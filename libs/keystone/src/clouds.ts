import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KeystoneCredentials } from './credentials';
import { CloudConfigError } from './errors';

/**
 * A client's Keystone settings, flat, with openstacksdk's names in camelCase: what `--os-*`
 * options, `OS_*` variables and a clouds.yaml entry each supply part of.
 */
export interface AuthSettings {
  authUrl?: string;
  authType?: string;
  username?: string;
  userId?: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  domainName?: string;
  domainId?: string;
  systemScope?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  regionName?: string;
  interface?: string;
  /** clouds.yaml `image_endpoint_override`: the image API without the catalog. */
  imageEndpointOverride?: string;
  cacert?: string;
  insecure?: boolean;
}

/** Where a setting's value came from in a clouds.yaml `auth:` block or at the cloud's top level. */
const AUTH_KEYS: Record<string, keyof AuthSettings> = {
  auth_url: 'authUrl',
  username: 'username',
  user_id: 'userId',
  password: 'password',
  project_name: 'projectName',
  tenant_name: 'projectName',
  project_id: 'projectId',
  tenant_id: 'projectId',
  user_domain_name: 'userDomainName',
  user_domain_id: 'userDomainId',
  project_domain_name: 'projectDomainName',
  project_domain_id: 'projectDomainId',
  domain_name: 'domainName',
  domain_id: 'domainId',
  system_scope: 'systemScope',
  application_credential_id: 'applicationCredentialId',
  application_credential_name: 'applicationCredentialName',
  application_credential_secret: 'applicationCredentialSecret',
};

const TOP_KEYS: Record<string, keyof AuthSettings> = {
  auth_type: 'authType',
  region_name: 'regionName',
  interface: 'interface',
  endpoint_type: 'interface',
  image_endpoint_override: 'imageEndpointOverride',
  cacert: 'cacert',
};

export interface CloudFiles {
  /** Working directory searched first (default: process.cwd()). */
  cwd?: string;
  /** Home directory (default: os.homedir()); ~/.config/openstack is searched second. */
  home?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * openstacksdk's search order: OS_CLIENT_CONFIG_FILE (OS_CLIENT_SECURE_FILE), then the working
 * directory, ~/.config/openstack ($XDG_CONFIG_HOME/openstack) and /etc/openstack, each as
 * .yaml, .yml or .json. The first file found is the one used.
 */
export function cloudFileCandidates(base: 'clouds' | 'secure', files: CloudFiles = {}): string[] {
  const env = files.env ?? process.env;
  const override = env[base === 'clouds' ? 'OS_CLIENT_CONFIG_FILE' : 'OS_CLIENT_SECURE_FILE'];
  const userDir = env.XDG_CONFIG_HOME
    ? join(env.XDG_CONFIG_HOME, 'openstack')
    : join(files.home ?? homedir(), '.config', 'openstack');
  const dirs = [files.cwd ?? process.cwd(), userDir, '/etc/openstack'];
  const found = dirs.flatMap((dir) => ['.yaml', '.yml', '.json'].map((suffix) => join(dir, base + suffix)));
  return override ? [override, ...found] : found;
}

function readFirst(candidates: string[]): { path: string; document: Record<string, unknown> } | null {
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new CloudConfigError(`Cannot read ${path}: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = parseYaml(text);
    } catch (error) {
      throw new CloudConfigError(
        `${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
      );
    }
    return { path, document: isRecord(document) ? document : {} };
  }
  return null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The settings of cloud `name`: its clouds.yaml entry with secure.yaml's entry of the same name
 * merged over it (where passwords usually live). A missing file or cloud is a CloudConfigError.
 */
export function loadCloud(name: string, files: CloudFiles = {}): AuthSettings {
  const clouds = readFirst(cloudFileCandidates('clouds', files));
  if (!clouds) {
    throw new CloudConfigError(
      `Cloud ${name} was not found: no clouds.yaml in ${cloudFileCandidates('clouds', files)
        .filter((path) => path.endsWith('.yaml'))
        .join(', ')}`,
    );
  }
  const entries = isRecord(clouds.document.clouds) ? clouds.document.clouds : {};
  const entry = entries[name];
  if (!isRecord(entry)) {
    const known = Object.keys(entries);
    throw new CloudConfigError(
      `Cloud ${name} was not found in ${clouds.path} (clouds there: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  const secure = readFirst(cloudFileCandidates('secure', files));
  const secureEntries = secure && isRecord(secure.document.clouds) ? secure.document.clouds : {};
  const secureEntry = secureEntries[name];
  return {
    ...settingsFromCloudEntry(entry),
    ...(isRecord(secureEntry) ? settingsFromCloudEntry(secureEntry) : {}),
  };
}

function settingsFromCloudEntry(entry: Record<string, unknown>): AuthSettings {
  const settings: AuthSettings = {};
  const assign = (key: keyof AuthSettings, value: unknown) => {
    if (typeof value === 'string' && value !== '') (settings as Record<string, unknown>)[key] = value;
  };
  const auth = isRecord(entry.auth) ? entry.auth : {};
  for (const [yamlKey, key] of Object.entries(AUTH_KEYS)) assign(key, auth[yamlKey]);
  for (const [yamlKey, key] of Object.entries(TOP_KEYS)) assign(key, entry[yamlKey]);
  // openstacksdk's `verify: false` is --insecure; `verify: <path>` a CA bundle.
  if (entry.verify === false) settings.insecure = true;
  else if (typeof entry.verify === 'string') settings.cacert = entry.verify;
  return settings;
}

/**
 * The login these settings describe, with openstackclient's inference: an application credential
 * when one is given (or auth_type says so), else a password. Problems are CloudConfigErrors
 * naming the missing option.
 */
export function credentialsFromSettings(settings: AuthSettings): {
  authUrl: string;
  credentials: KeystoneCredentials;
} {
  if (!settings.authUrl) {
    throw new CloudConfigError('You must provide an auth url via either --os-auth-url or env[OS_AUTH_URL]');
  }
  const authType =
    settings.authType ??
    (settings.applicationCredentialId || settings.applicationCredentialName
      ? 'v3applicationcredential'
      : 'password');
  if (authType === 'v3applicationcredential' || authType === 'applicationcredential') {
    if (!settings.applicationCredentialSecret) {
      throw new CloudConfigError(
        'You must provide an application credential secret via either --os-application-credential-secret or env[OS_APPLICATION_CREDENTIAL_SECRET]',
      );
    }
    if (!settings.applicationCredentialId && !settings.applicationCredentialName) {
      throw new CloudConfigError(
        'You must provide an application credential id via either --os-application-credential-id or env[OS_APPLICATION_CREDENTIAL_ID]',
      );
    }
    return {
      authUrl: settings.authUrl,
      credentials: {
        type: 'v3applicationcredential',
        applicationCredentialId: settings.applicationCredentialId,
        applicationCredentialName: settings.applicationCredentialName,
        applicationCredentialSecret: settings.applicationCredentialSecret,
        username: settings.username,
        userId: settings.userId,
        userDomainName: settings.userDomainName,
        userDomainId: settings.userDomainId,
      },
    };
  }
  if (authType !== 'password' && authType !== 'v3password') {
    throw new CloudConfigError(
      `Auth type ${authType} is not supported (use password or v3applicationcredential)`,
    );
  }
  if (!settings.username && !settings.userId) {
    throw new CloudConfigError('You must provide a username via either --os-username or env[OS_USERNAME]');
  }
  if (!settings.password) {
    throw new CloudConfigError('You must provide a password via either --os-password or env[OS_PASSWORD]');
  }
  return {
    authUrl: settings.authUrl,
    credentials: {
      type: 'password',
      username: settings.username,
      userId: settings.userId,
      password: settings.password,
      userDomainName: settings.userDomainName,
      userDomainId: settings.userDomainId,
      projectName: settings.projectName,
      projectId: settings.projectId,
      projectDomainName: settings.projectDomainName,
      projectDomainId: settings.projectDomainId,
      domainName: settings.domainName,
      domainId: settings.domainId,
      systemScope: settings.systemScope,
    },
  };
}

/** An Identity URL as users write it → the v3 API root (`http://ks:5000` → `http://ks:5000/v3`). */
export function identityV3Url(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed.replace(/\/v2\.0$/, '')}/v3`;
}
