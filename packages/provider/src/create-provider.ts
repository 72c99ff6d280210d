import { verifyHashedSecret } from '@idsrv/model';
import Provider, { type Configuration } from 'oidc-provider';
import { createClientAdapter } from './client-adapter.ts';
import { clientSettings, verifiableSecrets } from './client-settings.ts';
import { guardConsume } from './consume-guard.ts';
import { clientLifetimes } from './lifetimes.ts';
import { IDENTITYSERVER_ROUTES, type IdsrvProviderOptions } from './options.ts';
import { tokenEndpointErrors } from './protocol-errors.ts';
import { resourceIndicatorHooks } from './resource-scopes.ts';
import { clientClaims, jwtCustomizer } from './token-claims.ts';

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
    claims: Object.fromEntries([
      ['openid', ['sub']],
      ...enabledIdentity.filter((r) => r.name !== 'openid').map((r) => [r.name, r.userClaims]),
    ]),
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
    findAccount: async () => undefined,
  };
  const { features: _features, ...rest } = overrides;
  return { ...base, ...rest, features: base.features };
}

/**
 * Installs what configuration alone cannot express on a `Provider` built from {@link buildProviderConfiguration}:
 * the hashed-secret comparison and IdentityServer's token-endpoint error answers.
 */
export function installIdsrv(provider: Provider): Provider {
  // oidc-provider builds one Client class per Provider, so this replaces the comparison for this provider only.
  provider.Client.prototype.compareClientSecret = function compareHashedSecret(
    this: unknown,
    actual: string,
  ) {
    return verifyHashedSecret(actual, verifiableSecrets(clientSettings(this)));
  };
  const tokenPath = new URL(IDENTITYSERVER_ROUTES.token, `${provider.issuer}/`).pathname;
  provider.use(tokenEndpointErrors(tokenPath) as never);
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
  const provider = new Provider(options.issuer, await buildProviderConfiguration(options));
  return installIdsrv(provider);
}
