import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
/**
 * What glance-ts reads from glance-api.conf: one table per section and one per store type. Option
 * names, types and defaults are Glance's (glance/common/config.py, glance_store/_drivers/*.py);
 * where glance-ts is stricter or differs, the option's help says why. A new option is a table entry;
 * a new store type is a new entry in STORE_TYPE_SCHEMAS (and its config interface).
 */
import {
  AUTH_STRATEGIES,
  type BaseStoreConfig,
  type DatabaseConfig,
  type StoreConfigByType,
  type StoreType,
  STORE_TYPES,
} from './config-types';
import {
  type AnyOptionSpec,
  boolOpt,
  choiceOpt,
  dictOpt,
  intOpt,
  listOpt,
  optionalStrOpt,
  portOpt,
  type SectionReader,
  strOpt,
  typedOpt,
} from './options';
import { databaseConnectionType, hostAddressType, httpUrlType, stringType } from './types';

// ---------------------------------------------------------------------------------------------
// [DEFAULT]

/**
 * Import methods glance-ts implements: none yet (there is no `POST /v2/images/{id}/import`), so
 * discovery lists none and a client that wants one says so itself instead of meeting a 404.
 */
export const IMPLEMENTED_IMPORT_METHODS: readonly string[] = [];

/** Import methods Glance knows (glance/common/config.py), named in the refusal of one. */
export const KNOWN_IMPORT_METHODS = [
  'glance-direct',
  'web-download',
  'glance-download',
  'copy-image',
] as const;

export const DEFAULT_SECTION = {
  bindHost: typedOpt('bind_host', hostAddressType(), '127.0.0.1', {
    help: 'Address to listen on. glance-ts binds loopback by default (Glance binds 0.0.0.0): exposing the service is a decision.',
  }),
  bindPort: portOpt('bind_port', 9292, { help: 'Port to listen on.' }),
  enabledBackends: dictOpt('enabled_backends', {
    help: 'Stores as `id:type` pairs, in discovery order. Empty: multi-store is not configured and the stores routes answer 404.',
  }),
  enabledImportMethods: listOpt('enabled_import_methods', [], {
    bounds: true,
    quotes: true,
    help: 'Import methods reported by /v2/info/import (may be written as a list literal). glance-ts implements none yet: the default is empty (Glance: [glance-direct, web-download, copy-image]) and naming one stops the service at start.',
  }),
  publicEndpoint: typedOpt('public_endpoint', httpUrlType(), null, {
    help: 'Base URL used in version links instead of the URL of the request.',
  }),
  debug: boolOpt('debug', false, { help: 'Log at debug level.' }),
  imageMemberQuota: intOpt('image_member_quota', 128, {
    help: 'Members an image may have (Glance default 128; negative: no limit); one more is refused with 413.',
  }),
  imageSizeCap: intOpt('image_size_cap', 1099511627776, {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    help: 'Largest image an upload may write, in bytes (Glance default: 1 TiB); a larger upload is refused with 413 and leaves nothing behind.',
  }),
  doSecureHash: boolOpt('do_secure_hash', true, {
    help: 'Compute checksum and os_hash_value, in the background, for images whose data arrives by location (POST /v2/images/{id}/locations).',
  }),
  hashingAlgorithm: choiceOpt('hashing_algorithm', ['sha512'] as const, 'sha512', {
    help: "Algorithm of os_hash_value. glance-ts computes sha512 only (Glance's default).",
  }),
  httpRetries: intOpt('http_retries', 3, {
    min: 0,
    max: 100,
    help: "Attempts at reading a location's data to hash it before giving up (Glance's option of the same name).",
  }),
  showImageDirectUrl: boolOpt('show_image_direct_url', false, {
    help: 'Image bodies carry `direct_url`, the location of the highest-weight store. Off by default, as in Glance: anyone who can read an image then learns where its data lives (OSSN-0065); Nova and older Cinder read it to clone RBD images.',
  }),
  showMultipleLocations: boolOpt('show_multiple_locations', false, {
    help: "Image bodies carry `locations`, and JSON patch may add, replace and remove them (Glance's deprecated option). Off by default: it re-opens OSSN-0065 for anyone who can read locations; the location API (POST /v2/images/{id}/locations) is the safe way.",
  }),
  clientSocketTimeout: intOpt('client_socket_timeout', 900, {
    min: 0,
    help: "Seconds a client connection may stay idle, and an upload may go without receiving 1 KiB, before it is closed (Glance's option; 0 disables). An upload cut this way is answered 408 and its image is queued again.",
  }),
  staleUploadTimeout: intOpt('stale_upload_timeout', 300, {
    min: 5,
    help: 'glance-ts only: seconds after which an image left `saving` by an upload whose process stopped heart-beating (another host, a hung process) goes back to `queued` with its partial data removed; an upload whose process is gone on this host is recovered at once.',
  }),
  workers: intOpt('workers', Math.max(1, availableParallelism()), {
    min: 1,
    max: 256,
    help: 'API worker processes sharing the port (Glance: one per CPU by default); 1 runs the API in a single process.',
  }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// [image_format]

export const IMAGE_FORMAT_SECTION = {
  requireImageFormatMatch: boolOpt('require_image_format_match', true, {
    help: 'Refuse image data whose format (inspected while it arrives) does not match the declared disk_format, as Glance does.',
  }),
  gptSafetyChecksNonfatal: listOpt('gpt_safety_checks_nonfatal', [], {
    help: 'Safety checks of GPT disks (mbr, gptmbr) whose failure is only logged.',
  }),
  vmdkAllowedTypes: listOpt('vmdk_allowed_types', ['streamOptimized', 'monolithicSparse'], {
    help: 'VMDK create types accepted; others fail the safety check (named extents can point at host files).',
  }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// [import_filtering_opts]

const portList = (value: string[]): string | null => {
  const bad = value.find((item) => !/^\d+$/.test(item) || Number(item) < 1 || Number(item) > 65535);
  return bad === undefined ? null : `must be ports between 1 and 65535, got ${JSON.stringify(bad)}`;
};

const networkList = (value: string[]): string | null => {
  const bad = value.find((item) => parseNetwork(item) === null);
  return bad === undefined
    ? null
    : `must be networks in CIDR notation (10.0.0.0/8, fd00::/8), got ${JSON.stringify(bad)}`;
};

/** `10.1.0.0/16` or a bare address (a /32 or /128); null when it is neither. */
export function parseNetwork(
  text: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address, prefixText, ...rest] = text.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Glance's web-download filter, which glance-ts applies to http location URLs given by callers
 * without the service role; `allowed_networks` is glance-ts's own (see ImportFilteringConfig).
 */
export const IMPORT_FILTERING_SECTION = {
  allowedSchemes: listOpt('allowed_schemes', ['http', 'https'], {
    bounds: true,
    quotes: true,
    help: 'URL schemes allowed (the list wins over disallowed_schemes).',
  }),
  disallowedSchemes: listOpt('disallowed_schemes', [], {
    bounds: true,
    quotes: true,
    help: 'URL schemes refused (ignored when allowed_schemes is set).',
  }),
  allowedHosts: listOpt('allowed_hosts', [], {
    bounds: true,
    help: 'Hosts allowed (the list wins over disallowed_hosts).',
  }),
  disallowedHosts: listOpt('disallowed_hosts', [], {
    bounds: true,
    help: 'Hosts refused (ignored when allowed_hosts is set).',
  }),
  allowedPorts: listOpt('allowed_ports', ['80', '443'], {
    bounds: true,
    check: portList,
    help: 'Explicit URL ports allowed (the list wins over disallowed_ports); a URL without a port passes.',
  }),
  disallowedPorts: listOpt('disallowed_ports', [], {
    bounds: true,
    check: portList,
    help: 'Explicit URL ports refused (ignored when allowed_ports is set).',
  }),
  allowedNetworks: listOpt('allowed_networks', [], {
    bounds: true,
    check: networkList,
    help: 'glance-ts only: networks (CIDR) the http store may connect to although they are loopback, link-local, private or otherwise not public, which it refuses by default after resolving the host (on every redirect too).',
  }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// [glance_store]

/**
 * The values glance_store accepts for `default_store` (scheme aliases included) and the store type
 * each names; null for a type glance_store has and glance-ts does not.
 */
export const DEFAULT_STORE_CHOICES = {
  file: 'file',
  filesystem: 'file',
  http: 'http',
  https: 'http',
  swift: 'swift',
  'swift+http': 'swift',
  'swift+https': 'swift',
  'swift+config': 'swift',
  rbd: 'rbd',
  cinder: 'cinder',
  vsphere: null,
  s3: 's3',
} as const satisfies Record<string, StoreType | null>;

export type DefaultStoreChoice = keyof typeof DEFAULT_STORE_CHOICES;

export const GLANCE_STORE_SECTION = {
  defaultBackend: optionalStrOpt('default_backend', {
    help: 'Id of the default store; required when enabled_backends is set, and must be one of its ids.',
  }),
  defaultStore: choiceOpt(
    'default_store',
    Object.keys(DEFAULT_STORE_CHOICES) as DefaultStoreChoice[],
    'file',
    {
      help: "Without enabled_backends: the type of the one store, whose options are then read from [glance_store] itself (e.g. filesystem_store_datadir). Glance's scheme aliases are accepted (filesystem = file, https = http, swift+https = swift). Ignored when enabled_backends is set.",
    },
  ),
  stores: listOpt('stores', ['file', 'http'], {
    unused: true,
    help: 'Deprecated in Glance (the stores loaded in single-store mode); glance-ts loads only default_store and warns when this is set.',
  }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// [auth] (glance-ts's own section: Glance delegates this to keystonemiddleware in paste)

export const AUTH_SECTION = {
  strategy: choiceOpt('strategy', AUTH_STRATEGIES, 'token_file', {
    help: 'keystone (Keystone tokens, validated as keystonemiddleware does; configured in [keystone_authtoken]), token_file (tokens from token_file), noauth (development: everyone is the noauth user) or trusted_headers (identity headers set by an authenticating proxy in front).',
  }),
  tokenFile: optionalStrOpt('token_file', {
    path: true,
    help: 'YAML or JSON file of tokens (see etc/dev-tokens.yaml); required for strategy token_file.',
  }),
  noauthRoles: listOpt('noauth_roles', ['admin', 'member', 'reader'], {
    help: 'Roles of the noauth user (lower-cased).',
  }),
  noauthUserId: strOpt('noauth_user_id', 'noauth-user', { help: 'User id of the noauth user.' }),
  noauthProjectId: strOpt('noauth_project_id', 'noauth-project', { help: 'Project id of the noauth user.' }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// [keystone_authtoken] (keystonemiddleware's option names; read with [auth] strategy = keystone)

export const KEYSTONE_AUTH_TYPES = ['password', 'v3applicationcredential'] as const;

export const KEYSTONE_AUTHTOKEN_SECTION = {
  wwwAuthenticateUri: typedOpt('www_authenticate_uri', httpUrlType(), null, {
    help: 'Public Identity endpoint clients should authenticate at, sent in `WWW-Authenticate: Keystone uri="..."` with every 401. Default: auth_url.',
  }),
  authUrl: typedOpt('auth_url', httpUrlType(), null, {
    help: 'Identity API glance-ts logs in at as its service user and validates tokens with (e.g. http://keystone:5000/v3; a URL without a version gets /v3). Required with strategy keystone.',
  }),
  authType: choiceOpt('auth_type', KEYSTONE_AUTH_TYPES, 'password', {
    help: "How glance-ts's service user logs in: password (username, password, domains, project) or v3applicationcredential (application_credential_id and _secret).",
  }),
  username: optionalStrOpt('username', { help: 'Service user name (auth_type password).' }),
  userId: optionalStrOpt('user_id', {
    help: 'Service user id, instead of username and user domain (auth_type password).',
  }),
  password: optionalStrOpt('password', {
    secret: true,
    help: "Service user's password (auth_type password).",
  }),
  userDomainName: strOpt('user_domain_name', 'Default', { help: "Domain of the service user's name." }),
  userDomainId: optionalStrOpt('user_domain_id', {
    help: 'Domain id of the service user, instead of user_domain_name.',
  }),
  projectName: optionalStrOpt('project_name', {
    help: 'Project the service user logs in to (usually "service"); it needs the service role there to validate tokens.',
  }),
  projectId: optionalStrOpt('project_id', { help: 'Project id, instead of project_name and its domain.' }),
  projectDomainName: strOpt('project_domain_name', 'Default', { help: "Domain of the project's name." }),
  projectDomainId: optionalStrOpt('project_domain_id', {
    help: 'Domain id of the project, instead of project_domain_name.',
  }),
  applicationCredentialId: optionalStrOpt('application_credential_id', {
    help: 'Application credential id (auth_type v3applicationcredential).',
  }),
  applicationCredentialSecret: optionalStrOpt('application_credential_secret', {
    secret: true,
    help: 'Application credential secret (auth_type v3applicationcredential).',
  }),
  regionName: optionalStrOpt('region_name', {
    unused: true,
    help: 'Region of the Identity endpoint. Accepted for keystonemiddleware compatibility; glance-ts talks to auth_url directly.',
  }),
  serviceTokenRoles: listOpt('service_token_roles', ['service'], {
    help: 'A token in X-Service-Token counts (its roles reach policy as service_roles, and it lets an expired user token through) only when it has one of these roles.',
  }),
  serviceTokenRolesRequired: boolOpt('service_token_roles_required', false, {
    help: "True: a valid service token without one of service_token_roles is refused (401). False (keystonemiddleware's default): it is ignored, with a warning in the log.",
  }),
  tokenCacheTime: intOpt('token_cache_time', 300, {
    min: -1,
    help: 'Seconds a validated token is trusted without asking Keystone again (per worker); -1 disables the cache. A revoked token or a deleted user is noticed after at most this long.',
  }),
  httpConnectTimeout: intOpt('http_connect_timeout', 10, {
    min: 1,
    help: 'Seconds glance-ts waits for Keystone to connect and to answer, per attempt. keystonemiddleware has no default (waits forever); glance-ts never hangs on Keystone.',
  }),
  httpRequestMaxRetries: intOpt('http_request_max_retries', 3, {
    min: 0,
    max: 10,
    help: 'Further attempts after a connection failure or timeout, while Keystone was answering before (once it is down, each request tries once and gets 503 at once).',
  }),
  cafile: optionalStrOpt('cafile', { path: true, help: 'PEM CA bundle to verify the Identity server with.' }),
  insecure: boolOpt('insecure', false, { help: "Don't verify the Identity server's TLS certificate." }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// [oslo_policy]

/** oslo.policy's default file name: when it is not there, the built-in defaults apply. */
export const DEFAULT_POLICY_FILE = 'policy.yaml';

export const OSLO_POLICY_SECTION = {
  policyFile: strOpt('policy_file', DEFAULT_POLICY_FILE, {
    path: true,
    help: 'YAML or JSON rule overrides. The default name may be absent (no overrides); a file named explicitly must exist. Empty: no overrides.',
  }),
  enforceScope: boolOpt('enforce_scope', true, { help: 'oslo.policy enforce_scope (read and exposed).' }),
  enforceNewDefaults: boolOpt('enforce_new_defaults', true, {
    help: 'oslo.policy enforce_new_defaults (read and exposed).',
  }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// [database] (oslo.db)

/**
 * Where the image metadata goes when `[database] connection` is not set (or empty): `glance.sqlite`
 * in the config file's directory (`sqlite:///glance.sqlite`).
 */
export const DEFAULT_DATABASE: DatabaseConfig = { dialect: 'sqlite', path: 'glance.sqlite' };

export const DATABASE_SECTION = {
  connection: typedOpt('connection', databaseConnectionType(), DEFAULT_DATABASE, {
    // oslo.db marks it secret: the URL may hold a password.
    secret: true,
    path: true,
    help: "Image metadata database, as an oslo.db (SQLAlchemy) URL: sqlite:///relative/path (resolved against the config file's directory), sqlite:////absolute/path, or postgresql://user:password@host:port/database (a driver suffix such as postgresql+psycopg2:// is accepted and ignored). Empty: the default.",
  }),
  maxPoolSize: intOpt('max_pool_size', 5, {
    min: 1,
    max: 1000,
    help: "PostgreSQL connections each API worker keeps at most (oslo.db's option and default; glance-ts opens no overflow connections beyond it). With the database on the API's own cores, about one per core and worker keeps latencies short. Not used with SQLite.",
  }),
} satisfies Record<string, AnyOptionSpec>;

// ---------------------------------------------------------------------------------------------
// Stores

/** Ids with this prefix are Glance's internal stores (staging, tasks): never configurable. */
export const RESERVED_STORE_PREFIX = 'os_glance_';

/**
 * glance_store's section of defaults for every store: an option a store's own section does not set
 * is taken from here before the built-in default.
 */
export const BACKEND_DEFAULTS_SECTION = 'backend_defaults';

/** Options every store section has, whatever the type. */
export const COMMON_STORE_OPTIONS = {
  description: optionalStrOpt('store_description', {
    help: 'Shown as the store\'s "description" in discovery.',
  }),
  weight: intOpt('weight', 0, {
    help: 'Store weight (Glance HEAD orders image locations by it); reported by /detail.',
  }),
} satisfies Record<string, AnyOptionSpec>;

/** The part of a store's config its type adds to BaseStoreConfig. */
export type StoreSpecificConfig<T extends StoreType> = Omit<StoreConfigByType[T], keyof BaseStoreConfig>;

/** How a store's options are read: from its own section, or from [glance_store] as the single store. */
export interface StoreBuildContext {
  /** The store of a deployment without enabled_backends: Glance's defaults apply where glance-ts's differ. */
  singleStore: boolean;
}

export interface StoreTypeSchema<T extends StoreType> {
  readonly type: T;
  readonly summary: string;
  /** Discovery marks the store `"read-only": "true"`. */
  readonly readOnly: boolean;
  /** Every option this type accepts in its section; other keys there are warned about. */
  readonly options: readonly AnyOptionSpec[];
  /** Reads the type's options from the store's section; cross-option rules throw here. */
  build(section: SectionReader, context?: StoreBuildContext): StoreSpecificConfig<T>;
}

const isPowerOfTwo = (value: number): boolean => value > 0 && (value & (value - 1)) === 0;

// rbd ------------------------------------------------------------------------------------------

const RBD = {
  chunkSize: intOpt('rbd_store_chunk_size', 8, {
    min: 1,
    help: 'RBD object size of new images, in MiB. glance-ts requires a power of two: an RBD object size is 2^order bytes, and Glance silently rounds other values down while still reporting them.',
    check: (value) =>
      isPowerOfTwo(value) ? null : `must be a power of two (RBD object sizes are 2^n bytes), got ${value}`,
  }),
  pool: strOpt('rbd_store_pool', 'images', { help: 'RADOS pool of the images.' }),
  user: optionalStrOpt('rbd_store_user', {
    help: 'RADOS user (cephx client name); not set: from the Ceph config.',
  }),
  cephConf: optionalStrOpt('rbd_store_ceph_conf', {
    path: true,
    help: 'Ceph config file; not set or empty: librados searches its default locations (/etc/ceph/ceph.conf, ...).',
  }),
  thinProvisioning: boolOpt('rbd_thin_provisioning', false, { help: 'Do not write all-zero chunks.' }),
  connectTimeout: intOpt('rados_connect_timeout', 0, {
    help: 'Seconds to wait for the cluster when connecting; ≤ 0: no timeout set (librados default, 300 s).',
  }),
};

// file -----------------------------------------------------------------------------------------

const FILE = {
  dataDir: optionalStrOpt('filesystem_store_datadir', {
    path: true,
    required: 'required for file stores (glance-ts does not assume /var/lib/glance/images)',
    help: "Directory of the image files. Required by glance-ts for the stores of enabled_backends even though Glance has a default; the single store of a deployment without enabled_backends keeps Glance's default, /var/lib/glance/images/.",
  }),
  dataDirs: optionalStrOpt('filesystem_store_datadirs', {
    help: 'Not supported by glance-ts (Glance 25 answers 500 on discovery for it); use filesystem_store_datadir.',
  }),
  metadataFile: optionalStrOpt('filesystem_store_metadata_file', {
    path: true,
    unused: true,
    help: 'Location metadata file (not used by glance-ts).',
  }),
  filePerm: intOpt('filesystem_store_file_perm', 0, {
    help: 'Permissions of new image files, written as octal digits (640); ≤ 0: leave them alone.',
    check: (value) => {
      if (value <= 0) return null;
      if (!/^[0-7]{1,4}$/.test(String(value)))
        return `must be file permissions written as octal digits (e.g. 640), got ${value}`;
      // Glance refuses a mode that would make the image files unreadable by the service itself.
      if ((parseInt(String(value), 8) & 0o400) === 0)
        return `must let the owner read the image files (e.g. 640), got ${value}`;
      return null;
    },
  }),
  chunkSize: intOpt('filesystem_store_chunk_size', 65536, {
    min: 1,
    help: 'Read/write chunk size in bytes.',
  }),
  thinProvisioning: boolOpt('filesystem_thin_provisioning', false, {
    help: 'Do not write all-zero chunks (sparse files).',
  }),
};

/** Glance's `filesystem_store_datadir` default, which glance-ts keeps for the single store only. */
export const GLANCE_DEFAULT_FILE_DATADIR = '/var/lib/glance/images/';

/** filesystem_store_datadir of the single store: optional, with Glance's default. */
const SINGLE_STORE_DATADIR = strOpt('filesystem_store_datadir', GLANCE_DEFAULT_FILE_DATADIR, {
  path: true,
  help: FILE.dataDir.help,
  check: (value) => (value === '' ? 'must not be empty (the directory of the image files)' : null),
});

// http -----------------------------------------------------------------------------------------

/** The http store has nothing glance-ts uses yet; Glance's options are accepted and type-checked. */
const HTTP_ACCEPTED: AnyOptionSpec[] = [
  boolOpt('https_insecure', true, {
    unused: true,
    help: 'Skip TLS verification of image URLs (not used by glance-ts yet).',
  }),
  optionalStrOpt('https_ca_certificates_file', {
    path: true,
    unused: true,
    help: 'CA bundle for image URLs (not used yet).',
  }),
  dictOpt('http_proxy_information', { unused: true, help: 'scheme:proxy pairs (not used yet).' }),
];

// cinder ---------------------------------------------------------------------------------------

const CINDER = {
  volumeType: optionalStrOpt('cinder_volume_type', {
    help: "Volume type of new image volumes; not set: Cinder's default.",
  }),
  useMultipath: boolOpt('cinder_use_multipath', false, { help: 'Attach volumes with multipath.' }),
};

/** Cinder options Glance accepts that glance-ts only type-checks. */
const CINDER_ACCEPTED: AnyOptionSpec[] = [
  strOpt('cinder_catalog_info', 'volumev3::publicURL', {
    unused: true,
    help: 'Service catalog lookup for Cinder.',
  }),
  optionalStrOpt('cinder_endpoint_template', { unused: true, help: 'Cinder endpoint template.' }),
  optionalStrOpt('cinder_os_region_name', { unused: true, help: 'Region of the Cinder endpoint.' }),
  optionalStrOpt('os_region_name', { unused: true, help: 'Deprecated name of cinder_os_region_name.' }),
  optionalStrOpt('cinder_ca_certificates_file', { path: true, unused: true, help: 'CA bundle for Cinder.' }),
  intOpt('cinder_http_retries', 3, { min: 0, unused: true, help: 'Retries of failed Cinder calls.' }),
  intOpt('cinder_state_transition_timeout', 300, {
    min: 0,
    unused: true,
    help: 'Seconds to wait for volume state changes.',
  }),
  boolOpt('cinder_api_insecure', false, { unused: true, help: 'Skip TLS verification of Cinder.' }),
  optionalStrOpt('cinder_store_auth_address', {
    unused: true,
    help: 'Keystone URL of the Cinder service user.',
  }),
  optionalStrOpt('cinder_store_user_name', { unused: true, help: 'Cinder service user.' }),
  strOpt('cinder_store_user_domain_name', 'Default', {
    unused: true,
    help: 'Domain of the Cinder service user.',
  }),
  optionalStrOpt('cinder_store_password', {
    unused: true,
    secret: true,
    help: 'Password of the Cinder service user.',
  }),
  optionalStrOpt('cinder_store_project_name', { unused: true, help: 'Project of the image volumes.' }),
  strOpt('cinder_store_project_domain_name', 'Default', { unused: true, help: 'Domain of that project.' }),
  strOpt('rootwrap_config', '/etc/glance/rootwrap.conf', { unused: true, help: 'rootwrap configuration.' }),
  boolOpt('cinder_enforce_multipath', false, { unused: true, help: 'Refuse to attach without multipathd.' }),
  strOpt('cinder_mount_point_base', '/var/lib/glance/mnt', {
    unused: true,
    help: 'Mount point of NFS volumes.',
  }),
  boolOpt('cinder_do_extend_attached', false, { unused: true, help: 'Extend attached volumes online.' }),
];

// swift ----------------------------------------------------------------------------------------

const SWIFT = {
  container: strOpt('swift_store_container', 'glance', {
    help: 'Container (or container name prefix) of the images.',
  }),
  largeObjectSize: intOpt('swift_store_large_object_size', 5120, {
    min: 1,
    help: 'Size above which images are segmented, in Glance\'s "MB" (1,024,000 bytes).',
  }),
  largeObjectChunkSize: intOpt('swift_store_large_object_chunk_size', 200, {
    min: 1,
    help: 'Segment size, in Glance\'s "MB" (1,024,000 bytes).',
  }),
  multiTenant: boolOpt('swift_store_multi_tenant', false, {
    help: "Store images in each project's own account.",
  }),
  configFile: optionalStrOpt('swift_store_config_file', {
    path: true,
    help: 'Swift account references file. Cannot be combined with swift_store_multi_tenant.',
  }),
};

/** Swift options Glance accepts that glance-ts only type-checks. */
const SWIFT_ACCEPTED: AnyOptionSpec[] = [
  boolOpt('swift_store_auth_insecure', false, { unused: true, help: 'Skip TLS verification of Swift.' }),
  optionalStrOpt('swift_store_cacert', { path: true, unused: true, help: 'CA bundle for Swift.' }),
  optionalStrOpt('swift_store_region', { unused: true, help: 'Swift region.' }),
  optionalStrOpt('swift_store_endpoint', { unused: true, help: 'Swift endpoint overriding the catalog.' }),
  strOpt('swift_store_endpoint_type', 'publicURL', {
    choices: ['publicURL', 'adminURL', 'internalURL'],
    unused: true,
    help: 'Catalog endpoint type.',
  }),
  strOpt('swift_store_service_type', 'object-store', { unused: true, help: 'Catalog service type.' }),
  boolOpt('swift_store_create_container_on_put', false, {
    unused: true,
    help: 'Create missing containers on upload.',
  }),
  intOpt('swift_store_multiple_containers_seed', 0, {
    min: 0,
    max: 32,
    unused: true,
    help: 'Spread images over 16^N containers.',
  }),
  listOpt('swift_store_admin_tenants', [], {
    unused: true,
    help: 'Projects granted access in multi-tenant mode.',
  }),
  boolOpt('swift_store_ssl_compression', true, { unused: true, help: 'TLS compression.' }),
  intOpt('swift_store_retry_get_count', 0, { min: 0, unused: true, help: 'Download retries.' }),
  intOpt('swift_store_expire_soon_interval', 60, {
    min: 0,
    unused: true,
    help: 'Token refresh window in seconds.',
  }),
  boolOpt('swift_store_use_trusts', true, {
    unused: true,
    help: 'Use Keystone trusts in multi-tenant mode.',
  }),
  boolOpt('swift_buffer_on_upload', false, { unused: true, help: 'Buffer segments on disk before upload.' }),
  optionalStrOpt('swift_upload_buffer_dir', {
    path: true,
    unused: true,
    help: 'Directory of the upload buffer.',
  }),
  strOpt('default_swift_reference', 'ref1', {
    unused: true,
    help: 'Account reference in swift_store_config_file.',
  }),
  strOpt('swift_store_auth_version', '2', { unused: true, help: 'Deprecated: auth version.' }),
  optionalStrOpt('swift_store_auth_address', { unused: true, help: 'Deprecated: auth URL.' }),
  optionalStrOpt('swift_store_user', { unused: true, help: 'Deprecated: user.' }),
  optionalStrOpt('swift_store_key', { unused: true, secret: true, help: 'Deprecated: key.' }),
];

// s3 -------------------------------------------------------------------------------------------

/** Glance 25 answers 500 for an s3 store without these; glance-ts refuses to start instead. */
const S3_REQUIRED = 'required for s3 stores';

const S3 = {
  host: optionalStrOpt('s3_store_host', {
    required: S3_REQUIRED,
    help: 'S3 server host, or URL with scheme (http:// by default).',
  }),
  accessKey: optionalStrOpt('s3_store_access_key', {
    required: S3_REQUIRED,
    secret: true,
    help: 'S3 access key.',
  }),
  secretKey: optionalStrOpt('s3_store_secret_key', {
    required: S3_REQUIRED,
    secret: true,
    help: 'S3 secret key.',
  }),
  bucket: optionalStrOpt('s3_store_bucket', { required: S3_REQUIRED, help: 'Bucket of the images.' }),
  largeObjectSize: intOpt('s3_store_large_object_size', 100, {
    min: 1,
    help: 'Size above which uploads are multipart, in MiB.',
  }),
  largeObjectChunkSize: intOpt('s3_store_large_object_chunk_size', 10, {
    min: 5,
    help: 'Multipart part size in MiB (S3 parts are at least 5 MiB; Glance refuses less).',
  }),
  threadPools: intOpt('s3_store_thread_pools', 10, { min: 1, help: 'Parallel part uploads.' }),
};

/** S3 options Glance accepts that glance-ts only type-checks. */
const S3_ACCEPTED: AnyOptionSpec[] = [
  strOpt('s3_store_region_name', '', { unused: true, help: 'Region; empty: derived from the host.' }),
  boolOpt('s3_store_create_bucket_on_put', false, { unused: true, help: 'Create the bucket when missing.' }),
  typedOpt('s3_store_bucket_url_format', stringType({ choices: ['auto', 'virtual', 'path'] }), 'auto', {
    unused: true,
    help: 'Bucket addressing style.',
  }),
  strOpt('s3_store_cacert', '', { unused: true, help: "CA bundle; empty: botocore's." }),
];

// ---------------------------------------------------------------------------------------------

export const STORE_TYPE_SCHEMAS: { readonly [T in StoreType]: StoreTypeSchema<T> } = {
  rbd: {
    type: 'rbd',
    summary: 'Ceph RBD images',
    readOnly: false,
    options: Object.values(RBD),
    build: (section) => {
      const timeout = section.get(RBD.connectTimeout);
      return {
        pool: section.get(RBD.pool),
        user: section.get(RBD.user),
        cephConf: section.get(RBD.cephConf),
        chunkSizeMiB: section.get(RBD.chunkSize),
        thinProvisioning: section.get(RBD.thinProvisioning),
        connectTimeoutSeconds: timeout > 0 ? timeout : null,
      };
    },
  },
  file: {
    type: 'file',
    summary: 'Files in a local directory',
    readOnly: false,
    options: Object.values(FILE),
    build: (section, context) => {
      if (section.isSet(FILE.dataDirs)) {
        section.fail(
          FILE.dataDirs,
          'not supported by glance-ts; use filesystem_store_datadir (one directory per store)',
        );
      }
      section.get(FILE.metadataFile);
      const filePerm = section.get(FILE.filePerm);
      return {
        dataDir: context?.singleStore ? section.get(SINGLE_STORE_DATADIR) : section.require(FILE.dataDir),
        chunkSize: section.get(FILE.chunkSize),
        thinProvisioning: section.get(FILE.thinProvisioning),
        fileMode: filePerm > 0 ? parseInt(String(filePerm), 8) : null,
      };
    },
  },
  http: {
    type: 'http',
    summary: 'Read-only images at http(s) URLs',
    readOnly: true,
    options: HTTP_ACCEPTED,
    build: (section) => {
      for (const option of HTTP_ACCEPTED) section.get(option);
      return {};
    },
  },
  cinder: {
    type: 'cinder',
    summary: 'Cinder volumes',
    readOnly: false,
    options: [...Object.values(CINDER), ...CINDER_ACCEPTED],
    build: (section) => {
      for (const option of CINDER_ACCEPTED) section.get(option);
      return { volumeType: section.get(CINDER.volumeType), useMultipath: section.get(CINDER.useMultipath) };
    },
  },
  swift: {
    type: 'swift',
    summary: 'Swift objects',
    readOnly: false,
    options: [...Object.values(SWIFT), ...SWIFT_ACCEPTED],
    build: (section) => {
      for (const option of SWIFT_ACCEPTED) section.get(option);
      const multiTenant = section.get(SWIFT.multiTenant);
      const configFile = section.get(SWIFT.configFile);
      if (multiTenant && configFile !== null) {
        // Glance raises BadStoreConfiguration here and the store silently disappears from discovery.
        section.fail(
          SWIFT.configFile,
          'cannot be combined with swift_store_multi_tenant = true (they are mutually exclusive)',
        );
      }
      return {
        container: section.get(SWIFT.container),
        largeObjectSizeMB: section.get(SWIFT.largeObjectSize),
        largeObjectChunkSizeMB: section.get(SWIFT.largeObjectChunkSize),
        multiTenant,
        configFile,
      };
    },
  },
  s3: {
    type: 's3',
    summary: 'Objects in an S3-compatible bucket',
    readOnly: false,
    options: [...Object.values(S3), ...S3_ACCEPTED],
    build: (section) => {
      for (const option of S3_ACCEPTED) section.get(option);
      return {
        host: section.require(S3.host),
        accessKey: section.require(S3.accessKey),
        secretKey: section.require(S3.secretKey),
        bucket: section.require(S3.bucket),
        largeObjectSizeMiB: section.get(S3.largeObjectSize),
        largeObjectChunkSizeMiB: section.get(S3.largeObjectChunkSize),
        threadPools: section.get(S3.threadPools),
      };
    },
  },
};

/** Store types glance-ts does not implement but Glance has, for a clearer message than "unknown". */
export const UNSUPPORTED_STORE_TYPES: readonly string[] = ['vmware', 'sheepdog', 'gridfs'];

/** Every option a store section of `type` may set: the common ones and the type's. */
export function storeOptionNames(type: StoreType): Set<string> {
  return new Set(
    [...Object.values(COMMON_STORE_OPTIONS), ...STORE_TYPE_SCHEMAS[type].options].map(
      (option) => option.name,
    ),
  );
}

/** Every type-specific store option, of any type: what [backend_defaults] may set. */
export function allStoreTypeOptionNames(): Set<string> {
  return new Set(
    STORE_TYPES.flatMap((type) => STORE_TYPE_SCHEMAS[type].options.map((option) => option.name)),
  );
}

// ---------------------------------------------------------------------------------------------
// Describing the schema (for an API or CLI that lists what can be configured)

export interface OptionDescription {
  name: string;
  /** oslo-style type, e.g. "integer >= 1", "boolean", "string (a | b)". */
  type: string;
  /** The default; null for "not set". Credentials have no default, so nothing secret is shown. */
  default: unknown;
  required: boolean;
  /** False for options accepted for Glance compatibility that glance-ts does not act on. */
  used: boolean;
  secret: boolean;
  /** A relative value resolves against the config file's directory. */
  path: boolean;
  help: string;
}

export interface StoreTypeDescription {
  type: StoreType;
  summary: string;
  readOnly: boolean;
  /** Options of the store's section: the common ones first, then the type's. */
  options: OptionDescription[];
}

export function describeOption(option: AnyOptionSpec): OptionDescription {
  return {
    name: option.name,
    type: option.type.describe,
    default: option.type.show ? option.type.show(option.default) : option.default,
    required: option.required !== undefined,
    used: !option.unused,
    secret: option.secret ?? false,
    path: option.path ?? false,
    help: option.help,
  };
}

/** The store types glance-ts knows and their options, in STORE_TYPES order. */
export function describeStoreTypes(): StoreTypeDescription[] {
  return STORE_TYPES.map((type) => {
    const schema = STORE_TYPE_SCHEMAS[type];
    return {
      type,
      summary: schema.summary,
      readOnly: schema.readOnly,
      options: [...Object.values(COMMON_STORE_OPTIONS), ...schema.options].map(describeOption),
    };
  });
}
