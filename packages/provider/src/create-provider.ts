import { type IdentityResource, type ResourceStore, verifyHashedSecret } from '@idsrv/model';
import Provider, { type Configuration } from 'oidc-provider';
import { findAccountFromUsers } from './accounts.ts';
import { createClientAdapter } from './client-adapter.ts';
import { clientSettings, verifiableSecrets } from './client-settings.ts';
import { guardConsume } from './consume-guard.ts';
import { clientLifetimes } from './lifetimes.ts';
import { keepOfflineAccess, OFFLINE_ACCESS_PARAM } from './offline-access.ts';
import { IDENTITYSERVER_ROUTES, type IdsrvProviderOptions } from './options.ts';
import { loopbackFriendlyFetch } from './outgoing-requests.ts';
import { tokenEndpointErrors } from './protocol-errors.ts';
import { rotateRefreshToken, slideReusedRefreshTokens } from './refresh-tokens.ts';
import { resourceIndicatorHooks } from './resource-scopes.ts';
import { clientClaims, jwtCustomizer } from './token-claims.ts';
import { userinfoForApiTokens } from './userinfo.ts';

/**
 * Asymmetric JWS algorithms only. idsrv keeps client secrets as hashes, so nothing that needs the plaintext secret as
 * a key (client_secret_jwt, HS* signatures, symmetric encryption) can work; offering them would only fail later.
 */
const ASYMMETRIC = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] as const;

/** Lifetimes (seconds) used where a client does not set its own. */
const DEFAULT_LIFETIMES = {
  pushedAuthorization: 60,
  ciba: 300,
} as const;

/**
 * Builds oidc-provider's configuration from idsrv stores: clients served through the `Client` adapter model, hashed
 * secrets, IdentityServer's scope/audience rules and per-client lifetimes, `/connect/*` routes. Reads the identity
 * resources once, for oidc-provider's static `scopes` and `claims`.
 *
 * Use {@link createIdsrvProvider} unless you construct the `Provider` yourself; then call {@link installIdsrv} on it.
 */
export async function buildProviderConfiguration(options: IdsrvProviderOptions): Promise<Configuration> {
  const { identityResources } = await options.resources.getAllResources();
  const enabledIdentity = identityResources.filter((r) => r.enabled);
  const staticScopes = new Set(['openid', 'offline_access', ...enabledIdentity.map((r) => r.name)]);
  const signingAlg = String(options.jwks.keys[0]?.alg ?? 'ES256');
  const clientAdapter = createClientAdapter(options.clients, staticScopes);
  const storeAdapter = guardConsume(options.adapter);
  const claimOptions = {
    issuer: options.issuer,
    resources: options.resources,
    scopeClaimFormat: options.scopeClaimFormat ?? 'string',
    emitStaticAudienceClaim: options.emitStaticAudienceClaim ?? false,
  } as const;
  const overrides = options.configuration ?? {};

  const base: Configuration = {
    adapter: ((name: string) =>
      name === 'Client' ? clientAdapter : storeAdapter(name)) as Configuration['adapter'],
    jwks: options.jwks,
    ...(options.cookieKeys ? { cookies: { keys: options.cookieKeys } } : {}),
    routes: { ...IDENTITYSERVER_ROUTES },
    scopes: [...staticScopes],
    claims: claimsByScope(identityResources),
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      id_token_signed_response_alg: signingAlg as 'ES256',
      grant_types: [],
      response_types: [],
    },
    enabledJWA: {
      clientAuthSigningAlgValues: [...ASYMMETRIC],
      idTokenSigningAlgValues: [...ASYMMETRIC],
      requestObjectSigningAlgValues: [...ASYMMETRIC],
      userinfoSigningAlgValues: [...ASYMMETRIC],
      introspectionSigningAlgValues: [...ASYMMETRIC],
      authorizationSigningAlgValues: [...ASYMMETRIC],
    },
    responseTypes: [
      'code',
      'id_token',
      'id_token token',
      'code id_token',
      'code token',
      'code id_token token',
      'none',
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Sessions notify every client with a BackChannelLogoutUri when they end (RP-initiated logout).
      backchannelLogout: { enabled: true },
      resourceIndicators: resourceIndicatorHooks({
        issuer: options.issuer,
        resources: options.resources,
        staticScopes,
        signingAlg,
      }) as never,
      ...overrides.features,
    },
    pkce: {
      required: (_ctx, client) => clientSettings(client).requirePkce,
    },
    ttl: clientLifetimes(DEFAULT_LIFETIMES) as Configuration['ttl'],
    formats: { customizers: { jwt: jwtCustomizer(claimOptions) as never } },
    extraTokenClaims: clientClaims as never,
    clientBasedCORS: (_ctx, origin, client) =>
      clientSettings(client).allowedCorsOrigins.some((o) => o.toLowerCase() === origin.toLowerCase()),
    findAccount: options.users ? (findAccountFromUsers(options.users) as never) : async () => undefined,
    // IdentityServer's RefreshTokenUsage: OneTimeOnly rotates (with reuse detection), ReUse keeps the handle.
    rotateRefreshToken: rotateRefreshToken as never,
    // Not a parameter anyone sends: the hook that keeps `offline_access` without `prompt=consent` (see its TSDoc).
    extraParams: { [OFFLINE_ACCESS_PARAM]: keepOfflineAccess as never },
    // With a user store idsrv applies AlwaysIncludeUserClaimsInIdToken per client itself (see findAccountFromUsers).
    ...(options.users ? { conformIdTokenClaims: false } : {}),
    ...(options.allowLoopbackRequests ? { fetch: loopbackFriendlyFetch as never } : {}),
  };
  const { features: _features, extraParams, ...rest } = overrides;
  return {
    ...base,
    ...rest,
    features: base.features,
    extraParams: {
      ...(base.extraParams as object),
      ...toParamMap(extraParams),
    } as Configuration['extraParams'],
  };
}

// oidc-provider takes extraParams as a list of names or as a map of validators; idsrv's own entry needs the map.
function toParamMap(params: Configuration['extraParams']): Record<string, unknown> {
  if (!params) return {};
  if (Array.isArray(params)) return Object.fromEntries(params.map((name: string) => [name, undefined]));
  return params as Record<string, unknown>;
}

/**
 * Installs what configuration alone cannot express on a `Provider` built from {@link buildProviderConfiguration}:
 * the hashed-secret comparison, IdentityServer's token-endpoint error answers, sliding renewal of re-used refresh
 * tokens, and — given the options with `users` (or a `configuration.findAccount`) — userinfo for API access tokens
 * that carry `openid`.
 */
export function installIdsrv(
  provider: Provider,
  options?: Pick<IdsrvProviderOptions, 'users' | 'resources' | 'jwks' | 'configuration'>,
): Provider {
  // oidc-provider builds one Client class per Provider, so this replaces the comparison for this provider only.
  provider.Client.prototype.compareClientSecret = function compareHashedSecret(
    this: unknown,
    actual: string,
  ) {
    return verifyHashedSecret(actual, verifiableSecrets(clientSettings(this)));
  };
  const tokenPath = new URL(IDENTITYSERVER_ROUTES.token, `${provider.issuer}/`).pathname;
  provider.use(tokenEndpointErrors(tokenPath) as never);
  provider.use(slideReusedRefreshTokens(tokenPath) as never);
  const findAccount =
    options?.configuration?.findAccount ?? (options?.users && findAccountFromUsers(options.users));
  if (options && findAccount) {
    // Without the options (a caller who only has the Provider) userinfo keeps oidc-provider's rules.
    const { resources } = options;
    let claims: Promise<Record<string, string[]>> | undefined;
    const claimsByScope = () => {
      claims ??= identityClaims(resources);
      return claims;
    };
    provider.use(
      userinfoForApiTokens(provider, {
        path: new URL(IDENTITYSERVER_ROUTES.userinfo, `${provider.issuer}/`).pathname,
        issuer: provider.issuer,
        jwks: options.jwks as never,
        findAccount: findAccount as never,
        claimsByScope,
      }) as never,
    );
  }
  return provider;
}

/**
 * Creates an oidc-provider `Provider` serving idsrv clients and resources from the given stores.
 *
 * @example
 * const store = createMemoryStore({ clients, apiScopes, apiResources });
 * const provider = await createIdsrvProvider({
 *   issuer: 'http://localhost:5000',
 *   clients: store.clients,
 *   resources: store.resources,
 *   adapter: store.adapter,
 *   jwks: await loadOrCreateDevelopmentKeys('.idsrv/keys.json'),
 * });
 * http.createServer(provider.callback()).listen(5000);
 */
export async function createIdsrvProvider(options: IdsrvProviderOptions): Promise<Provider> {
  const configuration = await buildProviderConfiguration(options);
  const provider = new Provider(options.issuer, configuration);
  return installIdsrv(provider, options);
}

/** Claim names by identity scope (`openid` → `sub`), as idsrv gives them to oidc-provider's `claims`. */
function claimsByScope(identityResources: readonly IdentityResource[]): Record<string, string[]> {
  const byScope: Record<string, string[]> = { openid: ['sub'] };
  for (const r of identityResources)
    if (r.enabled && r.name !== 'openid') byScope[r.name] = [...r.userClaims];
  return byScope;
}

async function identityClaims(resources: ResourceStore): Promise<Record<string, string[]>> {
  return claimsByScope((await resources.getAllResources()).identityResources);
}
