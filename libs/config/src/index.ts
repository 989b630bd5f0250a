/**
 * glance-ts configuration: a glance-api.conf (oslo.config INI) read into a typed, validated
 * GlanceConfig. Framework-free: the API service, the CLI and tools can all use it.
 */
export { ConfigError, type ConfigErrorLocation } from './errors';
export { type IniDocument, type IniSection, type IniValue, lastValue, parseIni } from './ini';
export {
  booleanType,
  choiceType,
  databaseConnectionType,
  dictType,
  formatDatabaseConnection,
  hostAddressType,
  httpUrlType,
  integerType,
  listType,
  nullableStringType,
  OptionValueError,
  type OptionType,
  portType,
  stringType,
} from './types';
export { type AnyOptionSpec, type OptionSpec, type ReadContext, SectionReader } from './options';
export {
  AUTH_STRATEGIES,
  type AuthStrategyName,
  type BaseStoreConfig,
  type CinderStoreConfig,
  type DatabaseConfig,
  type FileStoreConfig,
  type GlanceConfig,
  type HttpStoreConfig,
  type ImportFilteringConfig,
  type RbdStoreConfig,
  type S3StoreConfig,
  type StoreConfig,
  type StoreConfigByType,
  type StoreType,
  STORE_TYPES,
  type SwiftStoreConfig,
  type KeystoneAuthConfig,
  type KeystoneServiceCredentials,
} from './config-types';
export {
  AUTH_SECTION,
  BACKEND_DEFAULTS_SECTION,
  COMMON_STORE_OPTIONS,
  DATABASE_SECTION,
  DEFAULT_DATABASE,
  DEFAULT_POLICY_FILE,
  DEFAULT_SECTION,
  DEFAULT_STORE_CHOICES,
  type DefaultStoreChoice,
  describeOption,
  describeStoreTypes,
  GLANCE_DEFAULT_FILE_DATADIR,
  GLANCE_STORE_SECTION,
  IMAGE_FORMAT_SECTION,
  IMPORT_FILTERING_SECTION,
  KEYSTONE_AUTH_TYPES,
  KEYSTONE_AUTHTOKEN_SECTION,
  IMPLEMENTED_IMPORT_METHODS,
  KNOWN_IMPORT_METHODS,
  type OptionDescription,
  OSLO_POLICY_SECTION,
  parseNetwork,
  RESERVED_STORE_PREFIX,
  STORE_TYPE_SCHEMAS,
  type StoreBuildContext,
  type StoreSpecificConfig,
  type StoreTypeDescription,
  type StoreTypeSchema,
} from './schema';
export { loadConfig, type LoadConfigOptions, parseConfig } from './config';
export { CONFIG_FILE_ENV, EMBEDDED_CONFIG_PATH, resolveConfigPath } from './paths';
export { loadTokenFile, parseTokenFile, type TokenIdentity } from './tokens';
