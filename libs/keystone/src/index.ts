/**
 * Keystone v3 for glance-ts, framework-free: the API validates callers' tokens as
 * keystonemiddleware's auth_token does (TokenValidator over an IdentityClient and the service's
 * own KeystoneSession); clients log in from --os-* options, OS_* variables and clouds.yaml and
 * find the image endpoint in the catalog (loginToImageService).
 */
export { findEndpoint, parseInterface, type EndpointInterface } from './catalog';
export {
  type AuthSettings,
  cloudFileCandidates,
  type CloudFiles,
  credentialsFromSettings,
  identityV3Url,
  loadCloud,
} from './clouds';
export {
  type ApplicationCredentialCredentials,
  describeCredentials,
  type KeystoneCredentials,
  loginBody,
  type PasswordCredentials,
} from './credentials';
export {
  CloudConfigError,
  EndpointNotFoundError,
  KeystoneAuthenticationError,
  KeystoneServiceError,
  KeystoneUnavailableError,
} from './errors';
export {
  IdentityClient,
  type IdentityClientOptions,
  type IssuedToken,
  MAX_TOKEN_LENGTH,
} from './identity-client';
export { loginToImageService, type ImageServiceLogin } from './image-service-login';
export { KeystoneSession } from './session';
export { TokenCache } from './token-cache';
export { type CatalogEndpoint, type CatalogService, parseTokenBody, type TokenInfo } from './token-info';
export { TokenValidator, type TokenValidation, type TokenValidatorOptions } from './token-validator';
