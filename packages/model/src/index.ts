export {
  CLIENT_PROPERTIES,
  type Client,
  type ClientClaim,
  type ClientInput,
  clientClaimSchema,
  clientSchema,
  type Secret,
  type SecretInput,
  secretSchema,
} from './client.ts';
export { AccessTokenType, DPoPValidationMode, ENUM_NUMBERS, TokenExpiration, TokenUsage } from './enums.ts';
export {
  AlreadyConsumedError,
  formatPath,
  IdsrvError,
  type IdsrvErrorCode,
  ModelValidationError,
  type PathStyle,
  RecordGoneError,
  type ValidationIssue,
} from './errors.ts';
export { deepFreeze } from './freeze.ts';
export {
  FORBIDDEN_GRANT_TYPE_PAIRS,
  GrantType,
  GrantTypes,
  type KnownGrantType,
  validateGrantTypes,
} from './grant-types.ts';
export { assertInsertable } from './insert-rules.ts';
export { type JwkSecretProblem, jwkSecretProblem } from './jwk-secrets.ts';
export { LOGIN_THROTTLE_DEFAULTS, loginThrottleLimits } from './login-throttle.ts';
export { closestName } from './names.ts';
export {
  deserializeClient,
  IDSRV_METADATA_PROPERTY,
  type ProviderClientMetadata,
  type SerializedClient,
  serializeClient,
  toProviderClientMetadata,
} from './provider-metadata.ts';
export { type ResourceQueries, resourceQueries } from './resource-queries.ts';
export {
  type ApiResource,
  type ApiResourceInput,
  type ApiScope,
  type ApiScopeInput,
  apiResourceSchema,
  apiScopeSchema,
  type IdentityResource,
  type IdentityResourceInput,
  IdentityResources,
  identityResourceSchema,
  type Resources,
} from './resources.ts';
export {
  type SecretType,
  SecretTypes,
  sha256,
  sha512,
  type VerifiableSecret,
  verifyHashedSecret,
} from './secrets.ts';
export type {
  ClientStore,
  IdsrvStore,
  LoginThrottle,
  LoginThrottleLimits,
  MutableClientStore,
  OidcAdapter,
  OidcAdapterFactory,
  OidcPayload,
  ResourceStore,
  User,
  UserClaim,
  UserStore,
} from './stores.ts';
export {
  DEFAULT_USER_CODE_TYPE,
  isUserCodeType,
  USER_CODE_TYPES,
  type UserCodeFormat,
  type UserCodeType,
  userCodeFormat,
} from './user-code-types.ts';
export {
  type Definitions,
  type DefinitionsInput,
  type DefinitionsValidationResult,
  defineApiResource,
  defineApiScope,
  defineDefinitions,
  defineIdentityResource,
  type ValidateDefinitionsOptions,
  validateDefinitions,
} from './validate.ts';
export {
  ASYMMETRIC_SIGNING_ALGORITHMS,
  type ClientValidationContext,
  type ClientValidationResult,
  defineClient,
  FORBIDDEN_REDIRECT_SCHEMES,
  validateClientDefinition,
} from './validate-client.ts';
