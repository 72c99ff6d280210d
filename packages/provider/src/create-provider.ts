import { type IdentityResource, type ResourceStore, verifyHashedSecret } from '@idsrv/model';
import Provider, { type Configuration } from 'oidc-provider';
import { forgetKeptClaims, withAccessTokenUserClaims } from './access-token-claims.ts';
import { findAccountFromUsers } from './accounts.ts';
import { createClientAdapter } from './client-adapter.ts';
import { assertUnexpiredJwk, installClientAssertionRules } from './client-assertions.ts';
import { reuseClientInstances } from './client-instances.ts';
import { clientSettings, verifiableSecrets } from './client-settings.ts';
import { guardConsume } from './consume-guard.ts';
import { codeVerificationErrors, deviceFlowFeature, devicePolling } from './device-flow.ts';
import { dpopFeature, dpopRequiredErrors } from './dpop.ts';
import { registerIdsrvGrants } from './idsrv-grants.ts';
import {
  introspectionAllowedPolicy,
  introspectionResponses,
  missingCredentialsAreInvalidClient,
} from './introspection.ts';
import { withIntrospectionClients } from './introspection-clients.ts';
import { clientLifetimes } from './lifetimes.ts';
import { keepOfflineAccess, OFFLINE_ACCESS_PARAM } from './offline-access.ts';
import { pathRouter } from './on-paths.ts';
import { IDENTITYSERVER_ROUTES, type IdsrvProviderOptions } from './options.ts';
import { loopbackFriendlyFetch } from './outgoing-requests.ts';
import { tokenEndpointErrors, tokenEndpointMethods } from './protocol-errors.ts';
import { pushedAuthorizationLifetime } from './pushed-authorization.ts';
import { storeReferenceTokenAudience } from './reference-tokens.ts';
import { rotateRefreshToken, slideReusedRefreshTokens } from './refresh-tokens.ts';
import { resourceIndicatorHooks } from './resource-scopes.ts';
import { revocationAllowedPolicy } from './revocation.ts';
import { expiresWithSession } from './session-lifetime.ts';
import { keyAlgorithms } from './signing-algorithms.ts';
import { clientClaims, jwtCustomizer } from './token-claims.ts';
import { withExchangeClaims } from './token-exchange.ts';
import { withUserSsoLifetime } from './user-sso-lifetime.ts';
import { userinfoForApiTokens } from './userinfo.ts';

/**
 * Asymmetric JWS algorithms only. idsrv keeps client secrets as hashes, so nothing that needs the plaintext secret as
 * a key (client_secret_jwt, HS* signatures, symmetric encryption) can work; offering them would only fail later.
 */
const ASYMMETRIC = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] as const;

/** Lifetimes (seconds) used where a client does not set its own. */
const DEFAULT_LIFETIMES = {
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
  // API resources with ApiSecrets authenticate at the introspection endpoint as introspection-only pseudo-clients.
  const clientAdapter = withIntrospectionClients(
    createClientAdapter(options.clients, staticScopes, keyAlgorithms(options.jwks as never)),
    options.resources,
  );
  const storeAdapter = guardConsume(options.adapter);
  const claimOptions = {
    issuer: options.issuer,
    resources: options.resources,
    scopeClaimFormat: options.scopeClaimFormat ?? 'string',
    emitStaticAudienceClaim: options.emitStaticAudienceClaim ?? false,
  } as const;
  const overrides = options.configuration ?? {};
  const usersAccount = options.users ? findAccountFromUsers(options.users) : undefined;

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
      // Signed request objects (JAR, RFC 9101), for RequireRequestObject; verified with the client's JWK secrets.
      requestObjects: { enabled: true },
      resourceIndicators: resourceIndicatorHooks({
        issuer: options.issuer,
        resources: options.resources,
        staticScopes,
        signingAlg,
      }) as never,
      // RFC 7662 / RFC 7009 with IdentityServer's caller rules (API resources by audience, clients their own tokens).
      introspection: { enabled: true, allowedPolicy: introspectionAllowedPolicy } as never,
      revocation: { enabled: true, allowedPolicy: revocationAllowedPolicy } as never,
      ...overrides.features,
      // Per-client DPoPValidationMode and DPoPClockSkew; settings from overrides (a shared nonceSecret) are merged in.
      dPoP: dpopFeature({
        cookieKeys: options.cookieKeys,
        override: overrides.features?.dPoP as Record<string, unknown> | undefined,
      }) as never,
      // The device flow with per-client UserCodeType (getters oidc-provider reads per request); pages from overrides.
      deviceFlow: deviceFlowFeature(overrides.features?.deviceFlow),
    },
    pkce: {
      required: (_ctx, client) => clientSettings(client).requirePkce,
    },
    ttl: clientLifetimes(DEFAULT_LIFETIMES) as Configuration['ttl'],
    formats: { customizers: { jwt: jwtCustomizer(claimOptions) as never } },
    // Client claims, the user's claims named by the API scopes and resources (see access-token-claims.ts), plus `act`
    // (and a policy's claims) on tokens issued by token exchange.
    extraTokenClaims: withExchangeClaims(
      withAccessTokenUserClaims(clientClaims, {
        resources: options.resources,
        adapter: options.adapter,
        findAccount: (overrides.findAccount ?? usersAccount) as never,
      }),
    ) as never,
    // A JWK secret past its Expiration no longer verifies private_key_jwt assertions (IdentityServer ignores it).
    assertJwtClientAuthClaimsAndHeader: assertUnexpiredJwk as never,
    clientBasedCORS: (_ctx, origin, client) =>
      clientSettings(client).allowedCorsOrigins.some((o) => o.toLowerCase() === origin.toLowerCase()),
    findAccount: (usersAccount ?? (async () => undefined)) as never,
    // IdentityServer's RefreshTokenUsage: OneTimeOnly rotates (with reuse detection), ReUse keeps the handle.
    rotateRefreshToken: rotateRefreshToken as never,
    // CoordinateLifetimeWithUserSession: refresh tokens end with the user's session (see expiresWithSession).
    expiresWithSession: expiresWithSession as never,
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
    // UserSsoLifetime is a check of the login prompt, added to whatever interactions (pages, policy) are configured.
    interactions: withUserSsoLifetime(rest.interactions),
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
  options?: Pick<IdsrvProviderOptions, 'users' | 'resources' | 'jwks' | 'configuration'> &
    Partial<Pick<IdsrvProviderOptions, 'adapter' | 'emitStaticAudienceClaim'>> &
    Pick<IdsrvProviderOptions, 'passwordGrant' | 'tokenExchangePolicy'>,
): Provider {
  // oidc-provider builds one Client class per Provider, so this replaces the comparison for this provider only.
  provider.Client.prototype.compareClientSecret = function compareHashedSecret(
    this: unknown,
    actual: string,
  ) {
    return verifyHashedSecret(actual, verifiableSecrets(clientSettings(this)));
  };
  reuseClientInstances(provider);
  const pathOf = (route: string) => new URL(route, `${provider.issuer}/`).pathname;
  const tokenPath = pathOf(IDENTITYSERVER_ROUTES.token);
  // Each idsrv middleware runs only on its own endpoints; one router in front of oidc-provider's passes every other
  // request straight on.
  const router = pathRouter();
  provider.use(router.middleware as never);
  // The token endpoint's answers are rewritten by steps after oidc-provider, which all share one promise; they run
  // last-added first: device polling, DPoP, sliding refresh tokens, then unauthorized_client.
  router.on([tokenPath], tokenEndpointMethods());
  router.after([tokenPath], tokenEndpointErrors());
  router.after([tokenPath], slideReusedRefreshTokens());
  router.after([tokenPath], dpopRequiredErrors());
  const introspectionPath = pathOf(IDENTITYSERVER_ROUTES.introspection);
  const revocationPath = pathOf(IDENTITYSERVER_ROUTES.revocation);
  router.on([introspectionPath, revocationPath], missingCredentialsAreInvalidClient());
  if (options) {
    // Reference tokens carry IdentityServer's `aud`, which API resources are checked against at introspection.
    storeReferenceTokenAudience(provider, {
      issuer: provider.issuer,
      resources: options.resources,
      scopeClaimFormat: 'string',
      emitStaticAudienceClaim: options.emitStaticAudienceClaim ?? false,
    });
    router.on(
      [introspectionPath],
      introspectionResponses({ issuer: provider.issuer, jwks: options.jwks as never }),
    );
  }
  const parPath = pathOf(IDENTITYSERVER_ROUTES.pushed_authorization_request);
  router.on([parPath], pushedAuthorizationLifetime(parPath));
  // PollingInterval: `interval` in device authorization responses and `slow_down` for devices that poll faster.
  router.after(
    [tokenPath, pathOf(IDENTITYSERVER_ROUTES.device_authorization)],
    devicePolling({ adapter: options?.adapter }),
  );
  const codeVerificationPath = pathOf(IDENTITYSERVER_ROUTES.code_verification);
  router.on([codeVerificationPath], codeVerificationErrors());
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
    const userinfoPath = pathOf(IDENTITYSERVER_ROUTES.userinfo);
    router.on(
      [userinfoPath],
      userinfoForApiTokens(provider, {
        path: userinfoPath,
        issuer: provider.issuer,
        jwks: options.jwks as never,
        findAccount: findAccount as never,
        claimsByScope,
      }),
    );
  }
  // private_key_jwt: mixed JWK + shared-secret clients, per-process jti serialisation (see client-assertions.ts).
  installClientAssertionRules(provider);
  // The user claims kept for UpdateAccessTokenClaimsOnRefresh go with their grant (see access-token-claims.ts).
  if (options?.adapter) provider.on('grant.revoked', forgetKeptClaims(options.adapter));
  // The password and token-exchange grants (see idsrv-grants.ts).
  if (options) registerIdsrvGrants(provider, { ...options, findAccount: findAccount as never });
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
