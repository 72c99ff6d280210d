export { ACCESS_TOKEN_CLAIMS_MODEL, apiUserClaimTypes } from './access-token-claims.ts';
export { type ClaimSet, findAccountFromUsers, userClaims } from './accounts.ts';
export { clientSettings } from './client-settings.ts';
export { buildProviderConfiguration, createIdsrvProvider, installIdsrv } from './create-provider.ts';
export {
  DEFAULT_POLLING_INTERVAL,
  DEVICE_POLL_MODEL,
  formatUserCode,
  pollingInterval,
} from './device-flow.ts';
export {
  DEFAULT_ACTIVATION_DELAY,
  describeKeyRing,
  type KeyRingEntry,
  type KeyState,
  type KeyTimes,
  keyRingJwks,
  longestTokenLifetime,
  nextKeyRingChange,
  pruneKeyRing,
  type RotateKeyRingOptions,
  rotateKeyRing,
  type StoredKeyRing,
  type WithTimes,
} from './key-ring.ts';
export {
  type DevelopmentKeys,
  generateSigningKey,
  loadOrCreateDevelopmentKeys,
  parseSigningKeys,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKeys,
} from './keys.ts';
export { IDENTITYSERVER_ROUTES, type IdsrvProviderOptions } from './options.ts';
export {
  type CredentialThrottle,
  PASSWORD_GRANT_TYPE,
  type PasswordGrantOptions,
} from './password-grant.ts';
export { pushedAuthorizationLifetime } from './pushed-authorization.ts';
export { aggregateResource } from './resource-scopes.ts';
export { expiresWithSession } from './session-lifetime.ts';
export {
  checkIdTokenSigningAlgorithms,
  idTokenSigningAlgorithm,
  keyAlgorithms,
} from './signing-algorithms.ts';
export { audienceFor } from './token-claims.ts';
export {
  type ExchangedToken,
  TOKEN_EXCHANGE_GRANT_TYPE,
  TOKEN_TYPE,
  type TokenExchangeDecision,
  type TokenExchangeInput,
  type TokenExchangePolicy,
  type TokenExchangeRequest,
} from './token-exchange.ts';
export { USER_SSO_LIFETIME_REASON, userSsoLifetimeCheck, withUserSsoLifetime } from './user-sso-lifetime.ts';
