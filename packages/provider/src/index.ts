export { type ClaimSet, findAccountFromUsers, userClaims } from './accounts.ts';
export { clientSettings } from './client-settings.ts';
export { buildProviderConfiguration, createIdsrvProvider, installIdsrv } from './create-provider.ts';
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
export { aggregateResource } from './resource-scopes.ts';
export { audienceFor } from './token-claims.ts';
