import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type {
  DatabaseConfig,
  GlanceConfig,
  ImportFilteringConfig,
  KeystoneAuthConfig,
  KeystoneServiceCredentials,
  StoreConfig,
  StoreType,
} from './config-types';
import { STORE_TYPES } from './config-types';
import { ConfigError, describeFsError, quote } from './errors';
import { type IniDocument, parseIni } from './ini';
import { type ReadContext, SectionReader, warnAboutKeys } from './options';
import { EMBEDDED_CONFIG_PATH } from './paths';
import {
  allStoreTypeOptionNames,
  AUTH_SECTION,
  BACKEND_DEFAULTS_SECTION,
  KEYSTONE_AUTHTOKEN_SECTION,
  COMMON_STORE_OPTIONS,
  DATABASE_SECTION,
  DEFAULT_DATABASE,
  DEFAULT_SECTION,
  DEFAULT_STORE_CHOICES,
  GLANCE_STORE_SECTION,
  IMAGE_FORMAT_SECTION,
  IMPORT_FILTERING_SECTION,
  IMPLEMENTED_IMPORT_METHODS,
  KNOWN_IMPORT_METHODS,
  OSLO_POLICY_SECTION,
  RESERVED_STORE_PREFIX,
  STORE_TYPE_SCHEMAS,
  storeOptionNames,
  UNSUPPORTED_STORE_TYPES,
} from './schema';

/** Sections glance-ts itself reads; a store id may not take one of these names. */
const OWN_SECTIONS = [
  'DEFAULT',
  'glance_store',
  'auth',
  'keystone_authtoken',
  'oslo_policy',
  'database',
  'image_format',
  'import_filtering_opts',
  BACKEND_DEFAULTS_SECTION,
];

export interface LoadConfigOptions {
  /** Directory a relative `path` is resolved against (default: the process's working directory). */
  cwd?: string;
}

/**
 * Reads and validates a glance-api.conf. Throws ConfigError (one line naming the file, section and
 * key) for anything the service must not start with, including an unreadable file.
 */
export function loadConfig(path: string, options: LoadConfigOptions = {}): GlanceConfig {
  const absolutePath = resolve(options.cwd ?? process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    throw new ConfigError({ file: path }, `cannot read the configuration file: ${describeFsError(error)}`);
  }
  return buildConfig(text, path, absolutePath);
}

/**
 * Validates configuration text as if it had been read from `path`: messages name `path`, and
 * relative paths in the file (token_file, policy_file, data dirs, ...) resolve against its directory.
 * Files the configuration names explicitly (token_file, policy_file) must exist.
 */
export function parseConfig(text: string, path: string): GlanceConfig {
  return buildConfig(text, path, resolve(path));
}

function buildConfig(text: string, displayPath: string, absolutePath: string): GlanceConfig {
  const document = parseIni(text, displayPath);
  const context: ReadContext = { file: displayPath, baseDir: dirname(absolutePath), warnings: [] };
  const reader = (name: string) => new SectionReader(context, name, document.sections.get(name));

  const defaults = reader('DEFAULT');
  const server = {
    bindHost: defaults.get(DEFAULT_SECTION.bindHost),
    bindPort: defaults.get(DEFAULT_SECTION.bindPort),
    publicEndpoint: defaults.get(DEFAULT_SECTION.publicEndpoint),
    workers: defaults.get(DEFAULT_SECTION.workers),
    clientSocketTimeout: defaults.get(DEFAULT_SECTION.clientSocketTimeout),
  };
  const staleUploadTimeout = defaults.get(DEFAULT_SECTION.staleUploadTimeout);
  const debug = defaults.get(DEFAULT_SECTION.debug);
  const imageSizeCap = defaults.get(DEFAULT_SECTION.imageSizeCap);
  const imageMemberQuota = defaults.get(DEFAULT_SECTION.imageMemberQuota);
  const secureHash = {
    enabled: defaults.get(DEFAULT_SECTION.doSecureHash),
    algorithm: defaults.get(DEFAULT_SECTION.hashingAlgorithm),
    retries: defaults.get(DEFAULT_SECTION.httpRetries),
  };
  const locations = {
    showDirectUrl: defaults.get(DEFAULT_SECTION.showImageDirectUrl),
    showMultiple: defaults.get(DEFAULT_SECTION.showMultipleLocations),
  };
  const importMethods = readImportMethods(defaults);
  const enabledBackends = readEnabledBackends(defaults);
  defaults.warnAboutKeys(Object.values(DEFAULT_SECTION).map((option) => option.name));

  const glanceStore = reader('glance_store');
  const defaultBackend = readDefaultBackend(glanceStore, enabledBackends, context);
  const singleStore = readSingleStore(glanceStore, enabledBackends, context);
  // The single store's options live in [glance_store], and Glance registers every store type's
  // options there, so none of them is unknown (only the default store's type is read, though).
  glanceStore.warnAboutKeys([
    ...Object.values(GLANCE_STORE_SECTION).map((option) => option.name),
    ...(singleStore ? allStoreTypeOptionNames() : []),
  ]);

  const stores = readStores(document, context, enabledBackends);
  const auth = readAuth(reader('auth'), reader('keystone_authtoken'), context);
  const policy = readPolicy(reader('oslo_policy'));
  const databaseSection = reader('database');
  const databaseMaxPoolSize = databaseSection.get(DATABASE_SECTION.maxPoolSize);
  const database = readDatabase(databaseSection, context);
  const imageFormat = readImageFormat(reader('image_format'));
  const importFiltering = readImportFiltering(reader('import_filtering_opts'));
  warnAboutOtherSections(document, context, enabledBackends);

  return {
    source: { path: absolutePath, embedded: absolutePath === EMBEDDED_CONFIG_PATH },
    server,
    debug,
    imageSizeCap,
    imageMemberQuota,
    staleUploadTimeout,
    secureHash,
    multiStore: enabledBackends.length > 0,
    stores,
    defaultBackend,
    singleStore,
    locations,
    imageFormat,
    importFiltering,
    importMethods,
    auth,
    policy,
    database,
    databaseMaxPoolSize,
    warnings: context.warnings,
  };
}

interface EnabledBackend {
  id: string;
  type: StoreType;
}

function readEnabledBackends(defaults: SectionReader): EnabledBackend[] {
  const option = DEFAULT_SECTION.enabledBackends;
  const known = STORE_TYPES.join(', ');
  return defaults.get(option).map(([id, type]) => {
    if (id === '') defaults.fail(option, `a store id is empty in ${quote(`:${type}`)}`);
    if (id.startsWith(RESERVED_STORE_PREFIX)) {
      defaults.fail(option, `store id ${quote(id)} uses the reserved prefix "${RESERVED_STORE_PREFIX}"`);
    }
    if (OWN_SECTIONS.includes(id)) {
      defaults.fail(
        option,
        `store id ${quote(id)} is the name of a section glance-ts reads itself ([${id}])`,
      );
    }
    if (!isStoreType(type)) {
      const detail = UNSUPPORTED_STORE_TYPES.includes(type)
        ? `store type ${quote(type)} of store ${quote(id)} is not supported by glance-ts (known: ${known})`
        : `unknown store type ${quote(type)} for store ${quote(id)} (known: ${known})`;
      defaults.fail(option, detail);
    }
    return { id, type };
  });
}

function isStoreType(type: string): type is StoreType {
  return (STORE_TYPES as readonly string[]).includes(type);
}

function readImportMethods(defaults: SectionReader): string[] {
  const option = DEFAULT_SECTION.enabledImportMethods;
  const methods = defaults.get(option);
  for (const method of methods) {
    if (IMPLEMENTED_IMPORT_METHODS.includes(method)) continue;
    const glances = (KNOWN_IMPORT_METHODS as readonly string[]).includes(method)
      ? "Glance's import method"
      : `unknown import method (Glance's: ${KNOWN_IMPORT_METHODS.join(', ')})`;
    defaults.fail(
      option,
      `${quote(method)} is not implemented by glance-ts (${glances}); implemented: ${IMPLEMENTED_IMPORT_METHODS.join(', ') || 'none'}`,
    );
  }
  return methods;
}

function readDefaultBackend(
  glanceStore: SectionReader,
  enabled: EnabledBackend[],
  context: ReadContext,
): string | null {
  const option = GLANCE_STORE_SECTION.defaultBackend;
  const value = glanceStore.get(option);
  const ids = enabled.map((backend) => backend.id).join(', ');
  if (enabled.length === 0) {
    if (value !== null) {
      context.warnings.push(
        `[glance_store] ${option.name}: ignored, [DEFAULT] enabled_backends is not set (line ${glanceStore.lineOf(option)})`,
      );
    }
    return null;
  }
  if (value === null)
    glanceStore.fail(option, `required when [DEFAULT] enabled_backends is set (one of: ${ids})`);
  if (!enabled.some((backend) => backend.id === value)) {
    glanceStore.fail(option, `${quote(value)} is not one of the enabled backends (${ids})`);
  }
  return value;
}

/**
 * The store of a deployment without enabled_backends: Glance's single-store mode, where
 * `[glance_store] default_store` names the type and that type's options are in [glance_store].
 * glance-ts loads that one store only; the deprecated `stores` list is read to warn it is ignored.
 */
function readSingleStore(
  glanceStore: SectionReader,
  enabled: EnabledBackend[],
  context: ReadContext,
): StoreConfig | null {
  const defaultStore = GLANCE_STORE_SECTION.defaultStore;
  const legacyStores = GLANCE_STORE_SECTION.stores;
  if (glanceStore.isSet(legacyStores)) {
    glanceStore.get(legacyStores);
    const instead =
      enabled.length > 0
        ? 'stores come from [DEFAULT] enabled_backends'
        : 'glance-ts loads only default_store';
    context.warnings.push(
      `[glance_store] ${legacyStores.name}: ignored (deprecated in Glance; ${instead}) (line ${glanceStore.lineOf(legacyStores)})`,
    );
  }
  if (enabled.length > 0) {
    if (glanceStore.isSet(defaultStore)) {
      context.warnings.push(
        `[glance_store] ${defaultStore.name}: ignored, [DEFAULT] enabled_backends is set (use default_backend) (line ${glanceStore.lineOf(defaultStore)})`,
      );
    }
    return null;
  }
  const choice = glanceStore.get(defaultStore);
  const type = DEFAULT_STORE_CHOICES[choice];
  if (type === null) {
    glanceStore.fail(
      defaultStore,
      `store type ${quote(choice)} is not supported by glance-ts (known: ${STORE_TYPES.join(', ')})`,
    );
  }
  // The cast joins the common part and the type's part, as in readStores.
  return {
    id: type,
    type,
    description: null,
    weight: 0,
    section: glanceStore.name,
    ...STORE_TYPE_SCHEMAS[type].build(glanceStore, { singleStore: true }),
  } as StoreConfig;
}

function readStores(document: IniDocument, context: ReadContext, enabled: EnabledBackend[]): StoreConfig[] {
  const backendDefaults = document.sections.get(BACKEND_DEFAULTS_SECTION);
  const storeOptions = allStoreTypeOptionNames();
  if (enabled.length > 0) warnAboutKeys(context, BACKEND_DEFAULTS_SECTION, backendDefaults, storeOptions);

  return enabled.map(({ id, type }) => {
    const section = new SectionReader(
      context,
      id,
      document.sections.get(id),
      backendDefaults ? { section: backendDefaults, accepts: storeOptions } : undefined,
    );
    // Built through the type's table entry; the cast joins the common part and the type's part,
    // which TypeScript cannot correlate through the indexed schema.
    const store = {
      id,
      type,
      description: section.get(COMMON_STORE_OPTIONS.description),
      weight: section.get(COMMON_STORE_OPTIONS.weight),
      section: id,
      ...STORE_TYPE_SCHEMAS[type].build(section),
    } as StoreConfig;
    section.warnAboutKeys(storeOptionNames(type));
    return store;
  });
}

function readAuth(
  auth: SectionReader,
  keystoneSection: SectionReader,
  context: ReadContext,
): GlanceConfig['auth'] {
  const strategy = auth.get(AUTH_SECTION.strategy);
  let tokenFile = auth.get(AUTH_SECTION.tokenFile);
  if (strategy === 'token_file') {
    if (tokenFile === null) {
      auth.fail(
        AUTH_SECTION.tokenFile,
        'required for strategy token_file (a YAML or JSON file of tokens, like etc/dev-tokens.yaml)',
      );
    }
    requireFile(auth, AUTH_SECTION.tokenFile.name, tokenFile);
  } else if (tokenFile !== null) {
    context.warnings.push(
      `[auth] token_file: ignored with strategy ${strategy} (line ${auth.lineOf(AUTH_SECTION.tokenFile)})`,
    );
    tokenFile = null;
  }
  const result = {
    strategy,
    tokenFile,
    // Roles are compared lower-cased everywhere (Glance lower-cases X-Roles too).
    noauthRoles: auth.get(AUTH_SECTION.noauthRoles).map((role) => role.toLowerCase()),
    noauthUserId: auth.get(AUTH_SECTION.noauthUserId),
    noauthProjectId: auth.get(AUTH_SECTION.noauthProjectId),
    keystone: strategy === 'keystone' ? readKeystoneAuthtoken(keystoneSection) : null,
  };
  auth.warnAboutKeys(Object.values(AUTH_SECTION).map((option) => option.name));
  if (strategy !== 'keystone') {
    const line = keystoneSection.sectionLine();
    if (line !== null)
      context.warnings.push(`[keystone_authtoken]: ignored with [auth] strategy ${strategy} (line ${line})`);
  } else
    keystoneSection.warnAboutKeys(Object.values(KEYSTONE_AUTHTOKEN_SECTION).map((option) => option.name));
  return result;
}

/** `[keystone_authtoken]` with strategy keystone: every credential a login needs, or a ConfigError. */
function readKeystoneAuthtoken(section: SectionReader): KeystoneAuthConfig {
  const options = KEYSTONE_AUTHTOKEN_SECTION;
  const authUrlText = section.get(options.authUrl);
  if (authUrlText === null) {
    section.fail(
      options.authUrl,
      'required with [auth] strategy = keystone (the Identity API, e.g. http://keystone:5000/v3)',
    );
  }
  const authUrl = authUrlText;
  const authType = section.get(options.authType);
  let credentials: KeystoneServiceCredentials;
  if (authType === 'password') {
    const username = section.get(options.username);
    const userId = section.get(options.userId);
    if (username === null && userId === null) {
      section.fail(options.username, 'required with auth_type password (or user_id)');
    }
    const password = section.get(options.password);
    if (password === null) section.fail(options.password, 'required with auth_type password');
    const projectName = section.get(options.projectName);
    const projectId = section.get(options.projectId);
    if (projectName === null && projectId === null) {
      section.fail(
        options.projectName,
        'required with auth_type password (or project_id): glance-ts validates tokens with a project-scoped token of its service user',
      );
    }
    credentials = {
      type: 'password',
      username,
      userId,
      password,
      userDomainName: section.get(options.userDomainName),
      userDomainId: section.get(options.userDomainId),
      projectName,
      projectId,
      projectDomainName: section.get(options.projectDomainName),
      projectDomainId: section.get(options.projectDomainId),
    };
  } else {
    const applicationCredentialId = section.get(options.applicationCredentialId);
    if (applicationCredentialId === null) {
      section.fail(options.applicationCredentialId, 'required with auth_type v3applicationcredential');
    }
    const applicationCredentialSecret = section.get(options.applicationCredentialSecret);
    if (applicationCredentialSecret === null) {
      section.fail(options.applicationCredentialSecret, 'required with auth_type v3applicationcredential');
    }
    credentials = { type: 'v3applicationcredential', applicationCredentialId, applicationCredentialSecret };
  }
  const cafile = section.get(options.cafile);
  if (cafile !== null) requireFile(section, options.cafile.name, cafile);
  // Read for its type check only: glance-ts talks to auth_url, whatever the region.
  section.get(options.regionName);
  return {
    authUrl,
    wwwAuthenticateUri: section.get(options.wwwAuthenticateUri) ?? authUrl,
    credentials,
    serviceTokenRoles: section.get(options.serviceTokenRoles).map((role) => role.toLowerCase()),
    serviceTokenRolesRequired: section.get(options.serviceTokenRolesRequired),
    tokenCacheTime: section.get(options.tokenCacheTime),
    httpConnectTimeout: section.get(options.httpConnectTimeout),
    httpRequestMaxRetries: section.get(options.httpRequestMaxRetries),
    cafile,
    insecure: section.get(options.insecure),
  };
}

function readPolicy(policy: SectionReader): GlanceConfig['policy'] {
  const option = OSLO_POLICY_SECTION.policyFile;
  const configured = policy.get(option);
  let policyFile: string | null;
  if (!policy.isSet(option)) {
    // oslo.policy: the default file is optional; without it the built-in defaults apply.
    policyFile = isFile(configured) ? configured : null;
  } else if (configured === '') {
    policyFile = null;
  } else {
    requireFile(policy, option.name, configured);
    policyFile = configured;
  }
  const result = {
    policyFile,
    enforceScope: policy.get(OSLO_POLICY_SECTION.enforceScope),
    enforceNewDefaults: policy.get(OSLO_POLICY_SECTION.enforceNewDefaults),
  };
  policy.warnAboutKeys(Object.values(OSLO_POLICY_SECTION).map((option) => option.name));
  return result;
}

function readImageFormat(section: SectionReader): GlanceConfig['imageFormat'] {
  const result = {
    requireFormatMatch: section.get(IMAGE_FORMAT_SECTION.requireImageFormatMatch),
    gptSafetyChecksNonfatal: section.get(IMAGE_FORMAT_SECTION.gptSafetyChecksNonfatal),
    vmdkAllowedTypes: section.get(IMAGE_FORMAT_SECTION.vmdkAllowedTypes),
  };
  section.warnAboutKeys(Object.values(IMAGE_FORMAT_SECTION).map((option) => option.name));
  return result;
}

function readImportFiltering(section: SectionReader): ImportFilteringConfig {
  const options = IMPORT_FILTERING_SECTION;
  const ports = (values: string[]) => values.map(Number);
  const result = {
    allowedSchemes: section.get(options.allowedSchemes),
    disallowedSchemes: section.get(options.disallowedSchemes),
    // Glance compares normalised host names: case does not matter in DNS.
    allowedHosts: section.get(options.allowedHosts).map((host) => host.toLowerCase()),
    disallowedHosts: section.get(options.disallowedHosts).map((host) => host.toLowerCase()),
    allowedPorts: ports(section.get(options.allowedPorts)),
    disallowedPorts: ports(section.get(options.disallowedPorts)),
    allowedNetworks: section.get(options.allowedNetworks),
  };
  section.warnAboutKeys(Object.values(options).map((option) => option.name));
  return result;
}

/** `[database] connection`, with a relative SQLite path resolved against the config file's directory. */
function readDatabase(database: SectionReader, context: ReadContext): DatabaseConfig {
  const option = DATABASE_SECTION.connection;
  // Empty means not set: the default (a file beside the configuration).
  const connection = database.get(option) ?? DEFAULT_DATABASE;
  database.warnAboutKeys(Object.values(DATABASE_SECTION).map((spec) => spec.name));
  if (connection.dialect === 'postgresql' || isAbsolute(connection.path)) return connection;
  return { dialect: 'sqlite', path: resolve(context.baseDir, connection.path) };
}

/** Sections nobody read: a store section whose id is not enabled, or something glance-ts ignores. */
function warnAboutOtherSections(
  document: IniDocument,
  context: ReadContext,
  enabled: EnabledBackend[],
): void {
  const read = new Set([...OWN_SECTIONS, ...enabled.map((backend) => backend.id)]);
  const storeOptions = allStoreTypeOptionNames();
  for (const section of document.sections.values()) {
    if (read.has(section.name)) continue;
    const looksLikeStore = [...section.entries.keys()].some(
      (key) => storeOptions.has(key) || key === 'store_description',
    );
    context.warnings.push(
      looksLikeStore && !section.name.startsWith(RESERVED_STORE_PREFIX)
        ? `[${section.name}]: ignored, "${section.name}" is not a store in [DEFAULT] enabled_backends (line ${section.line})`
        : `[${section.name}]: section not read by glance-ts, ignored (line ${section.line})`,
    );
  }
}

function requireFile(section: SectionReader, key: string, path: string): void {
  let problem: string | null = null;
  try {
    if (!statSync(path).isFile()) problem = `${path} is not a file`;
  } catch (error) {
    problem = `${path}: ${describeFsError(error)}`;
  }
  if (problem) section.fail(key, problem);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
