import { STORE_TYPES, type StoreType } from '@glance-ts/contracts';

// The store types are the contract's: one list for what can be configured and what is reported.
export { STORE_TYPES, type StoreType };

export const AUTH_STRATEGIES = ['token_file', 'noauth', 'trusted_headers', 'keystone'] as const;
/**
 * - `token_file`: tokens from a YAML/JSON file (`[auth] token_file`), sent as X-Auth-Token;
 * - `noauth`: every request is the configured noauth user (development only);
 * - `keystone`: Keystone tokens (X-Auth-Token, X-Service-Token) validated against Keystone, as
 *   keystonemiddleware's auth_token does, configured in `[keystone_authtoken]`;
 * - `trusted_headers`: identity from the keystonemiddleware-style headers an authenticating proxy in
 *   front sets (X-Identity-Status, X-Roles, X-User-Id, X-Project-Id); nothing to configure.
 */
export type AuthStrategyName = (typeof AUTH_STRATEGIES)[number];

/** What every store has, whatever its type. */
export interface BaseStoreConfig {
  /**
   * The id from `enabled_backends`; also the name of the store's section. The single store of a
   * deployment without enabled_backends has its type as id (`file`) and section `glance_store`.
   */
  id: string;
  type: StoreType;
  /** `store_description`, null when not set (discovery then omits `description`). */
  description: string | null;
  /** `weight` (Glance HEAD: used to order locations; reported by /detail). */
  weight: number;
  /** The section the store's options were read from (the id; `glance_store` for the single store). */
  section: string;
}

export interface RbdStoreConfig extends BaseStoreConfig {
  type: 'rbd';
  /** `rbd_store_pool`. */
  pool: string;
  /** `rbd_store_user`; null lets librados pick the client name from the Ceph config. */
  user: string | null;
  /**
   * `rbd_store_ceph_conf`, resolved against the config file's directory; null when not set, which
   * means librados's own search ($CEPH_CONF, /etc/ceph/ceph.conf, ~/.ceph/config, ./ceph.conf).
   */
  cephConf: string | null;
  /** `rbd_store_chunk_size` in MiB: the RBD object size of new images (a power of two). */
  chunkSizeMiB: number;
  /** `rbd_thin_provisioning`: skip writing all-zero chunks. */
  thinProvisioning: boolean;
  /**
   * `rados_connect_timeout` in seconds; null when ≤ 0 (Glance's default 0), where Glance sets no
   * timeout and librados's `client_mount_timeout` (300 s by default) applies.
   */
  connectTimeoutSeconds: number | null;
}

export interface FileStoreConfig extends BaseStoreConfig {
  type: 'file';
  /**
   * `filesystem_store_datadir`, resolved against the config file's directory when relative. Required
   * for the stores of enabled_backends; the single store defaults to Glance's `/var/lib/glance/images/`.
   */
  dataDir: string;
  /** `filesystem_store_chunk_size` in bytes. */
  chunkSize: number;
  /** `filesystem_thin_provisioning`. */
  thinProvisioning: boolean;
  /**
   * `filesystem_store_file_perm` decoded the way Glance does (its digits are octal: 640 → 0o640),
   * ready for chmod; null when the option is ≤ 0 (leave the permissions alone).
   */
  fileMode: number | null;
}

/** The read-only http store has nothing glance-ts needs to configure. */
export interface HttpStoreConfig extends BaseStoreConfig {
  type: 'http';
}

export interface CinderStoreConfig extends BaseStoreConfig {
  type: 'cinder';
  /** `cinder_volume_type`, null when not set (Cinder's default type). */
  volumeType: string | null;
  /** `cinder_use_multipath`. */
  useMultipath: boolean;
}

export interface SwiftStoreConfig extends BaseStoreConfig {
  type: 'swift';
  /** `swift_store_container` (discovery reports null for multi-tenant stores). */
  container: string;
  /** `swift_store_large_object_size`, in Glance's "MB" of 1,024,000 bytes. */
  largeObjectSizeMB: number;
  /** `swift_store_large_object_chunk_size`, in Glance's "MB" of 1,024,000 bytes. */
  largeObjectChunkSizeMB: number;
  /** `swift_store_multi_tenant`. */
  multiTenant: boolean;
  /** `swift_store_config_file`, resolved against the config file's directory; null when not set. */
  configFile: string | null;
}

export interface S3StoreConfig extends BaseStoreConfig {
  type: 's3';
  /** `s3_store_host` (a host name, or a URL with scheme). */
  host: string;
  /** `s3_store_access_key` (a credential: never log or report it). */
  accessKey: string;
  /** `s3_store_secret_key` (a credential: never log or report it). */
  secretKey: string;
  /** `s3_store_bucket`. */
  bucket: string;
  /** `s3_store_large_object_size` in MiB: images above it are uploaded in parts. */
  largeObjectSizeMiB: number;
  /** `s3_store_large_object_chunk_size` in MiB (≥ 5, S3's minimum part size). */
  largeObjectChunkSizeMiB: number;
  /** `s3_store_thread_pools`: parallel part uploads. */
  threadPools: number;
}

export type StoreConfig =
  RbdStoreConfig | FileStoreConfig | HttpStoreConfig | CinderStoreConfig | SwiftStoreConfig | S3StoreConfig;

/** The config type of each store type, for tables keyed by type. */
export interface StoreConfigByType {
  rbd: RbdStoreConfig;
  file: FileStoreConfig;
  http: HttpStoreConfig;
  cinder: CinderStoreConfig;
  swift: SwiftStoreConfig;
  s3: S3StoreConfig;
}

/**
 * `[database] connection`: where the image metadata is stored. The same shape as
 * `@glance-ts/db`'s DatabaseTarget (libs/config does not depend on libs/db), so it can be passed to
 * openImageDatabase as is.
 * - `sqlite`: an absolute file path (a relative one in the URL is resolved against the config
 *   file's directory);
 * - `postgresql`: a libpq-style URL (`postgresql://user:password@host:port/database`), the
 *   SQLAlchemy driver suffix (`+psycopg2`) removed. It holds the password: never log it as is.
 */
export type DatabaseConfig = { dialect: 'sqlite'; path: string } | { dialect: 'postgresql'; url: string };

/**
 * Glance's web-download URL filter (`[import_filtering_opts]`): when an allow list is set, its
 * deny list is ignored. Ports filter only ports written in the URL.
 */
export interface ImportFilteringConfig {
  allowedSchemes: string[];
  disallowedSchemes: string[];
  allowedHosts: string[];
  disallowedHosts: string[];
  allowedPorts: number[];
  disallowedPorts: number[];
  /**
   * glance-ts only: CIDR networks the http store may reach although they are not public (loopback,
   * link-local, private, unique-local...). Empty by default: such addresses are refused.
   */
  allowedNetworks: string[];
}

export interface GlanceConfig {
  /** The file this configuration was read from (absolute), and whether it is the embedded default. */
  source: { path: string; embedded: boolean };
  server: {
    /** `[DEFAULT] bind_host`; glance-ts defaults to 127.0.0.1 (Glance: 0.0.0.0). */
    bindHost: string;
    /** `[DEFAULT] bind_port`, default 9292. */
    bindPort: number;
    /** `[DEFAULT] workers`: API processes sharing the port; default one per CPU, as Glance. */
    workers: number;
    /** `[DEFAULT] public_endpoint`: base URL for version links instead of the request's host. */
    publicEndpoint: string | null;
    /** `[DEFAULT] client_socket_timeout` in seconds (0: none): idle connections and stalled uploads. */
    clientSocketTimeout: number;
  };
  /** `[DEFAULT] stale_upload_timeout` in seconds: a `saving` image without a live upload is recovered after it. */
  staleUploadTimeout: number;
  /** `[DEFAULT] debug`. */
  debug: boolean;
  /** `[DEFAULT] image_size_cap`: the largest image an upload may write, in bytes. */
  imageSizeCap: number;
  /** Hashing of image data that arrives by location (`do_secure_hash`, `http_retries`). */
  secureHash: { enabled: boolean; algorithm: 'sha512'; retries: number };
  /** `enabled_backends` is non-empty. Without it the stores routes answer 404, as in Glance. */
  multiStore: boolean;
  /** Stores in `enabled_backends` order (empty when multiStore is false). */
  stores: StoreConfig[];
  /** `[glance_store] default_backend`: always one of the stores' ids when multiStore; else null. */
  defaultBackend: string | null;
  /**
   * The store of a deployment without `enabled_backends` (multiStore false), as Glance builds it:
   * type `[glance_store] default_store`, options read from [glance_store] itself, id = the type's
   * name, section 'glance_store'. Null when multiStore. Never listed by discovery.
   */
  singleStore: StoreConfig | null;
  /** Whether image bodies show where data lives (`[DEFAULT] show_image_direct_url`, `show_multiple_locations`). */
  locations: { showDirectUrl: boolean; showMultiple: boolean };
  /** `[image_format]`: format inspection of image data. */
  imageFormat: { requireFormatMatch: boolean; gptSafetyChecksNonfatal: string[]; vmdkAllowedTypes: string[] };
  /** `[import_filtering_opts]`: what http locations given by non-service callers may point at. */
  importFiltering: ImportFilteringConfig;
  /** `[DEFAULT] enabled_import_methods`: only methods glance-ts implements (none yet). */
  importMethods: string[];
  /** `[DEFAULT] image_member_quota`: members per image; negative: no limit. */
  imageMemberQuota: number;
  auth: {
    strategy: AuthStrategyName;
    /** `[auth] token_file`, absolute; set (and existing) when strategy is token_file, else null. */
    tokenFile: string | null;
    /** `[auth] noauth_roles`, lower-cased. */
    noauthRoles: string[];
    noauthUserId: string;
    noauthProjectId: string;
    /** `[keystone_authtoken]`: set when strategy is keystone, else null. */
    keystone: KeystoneAuthConfig | null;
  };
  policy: {
    /** `[oslo_policy] policy_file`, absolute; null when no override file is in use. */
    policyFile: string | null;
    enforceScope: boolean;
    enforceNewDefaults: boolean;
  };
  /** `[database] connection`. */
  database: DatabaseConfig;
  /** `[database] max_pool_size`: PostgreSQL connections per worker. */
  databaseMaxPoolSize: number;
  /** Problems that do not stop the service (unknown keys, ignored options), one line each, for logging. */
  warnings: string[];
}

/** glance-ts's own Keystone login: a password or an application credential. */
export type KeystoneServiceCredentials =
  | {
      type: 'password';
      username: string | null;
      userId: string | null;
      password: string;
      userDomainName: string;
      userDomainId: string | null;
      projectName: string | null;
      projectId: string | null;
      projectDomainName: string;
      projectDomainId: string | null;
    }
  | { type: 'v3applicationcredential'; applicationCredentialId: string; applicationCredentialSecret: string };

/** `[keystone_authtoken]`, as keystonemiddleware's auth_token reads it. */
export interface KeystoneAuthConfig {
  /** Identity API as configured, e.g. `http://keystone:5000/v3` (without a version: /v3 is meant). */
  authUrl: string;
  /** Sent in WWW-Authenticate with every 401; defaults to authUrl. */
  wwwAuthenticateUri: string;
  credentials: KeystoneServiceCredentials;
  /** Lower-cased. */
  serviceTokenRoles: string[];
  serviceTokenRolesRequired: boolean;
  /** Seconds; 0 or less: no cache. */
  tokenCacheTime: number;
  /** Seconds, per attempt (connect and answer). */
  httpConnectTimeout: number;
  httpRequestMaxRetries: number;
  /** Absolute path of a CA bundle, or null for the system's. */
  cafile: string | null;
  insecure: boolean;
}
