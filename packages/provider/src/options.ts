import type { ClientStore, OidcAdapterFactory, ResourceStore, UserStore } from '@idsrv/model';
import type { Configuration, JWKS } from 'oidc-provider';
import type { PasswordGrantOptions } from './password-grant.ts';
import type { TokenExchangePolicy } from './token-exchange.ts';

/** IdentityServer-compatible endpoint paths (`/connect/*`), relative to the issuer. */
export const IDENTITYSERVER_ROUTES = {
  authorization: '/connect/authorize',
  token: '/connect/token',
  userinfo: '/connect/userinfo',
  end_session: '/connect/endsession',
  introspection: '/connect/introspect',
  revocation: '/connect/revocation',
  device_authorization: '/connect/deviceauthorization',
  code_verification: '/device',
  pushed_authorization_request: '/connect/par',
  backchannel_authentication: '/connect/ciba',
  jwks: '/.well-known/openid-configuration/jwks',
  registration: '/connect/register',
} as const;

/** Options of {@link createIdsrvProvider} and {@link buildProviderConfiguration}. */
export interface IdsrvProviderOptions {
  /** The issuer identifier: an https (or loopback http) URL without a trailing slash, e.g. `https://id.example.com`. */
  issuer: string;
  /** Where clients come from; the only source of truth (a disabled client is invisible). */
  clients: ClientStore;
  /** Identity resources, API scopes and API resources. */
  resources: ResourceStore;
  /**
   * Where users come from (`createTestUserStore` of `@idsrv/users`, or your own). Gives oidc-provider its
   * `findAccount` (claims for id_tokens and userinfo, per client's AlwaysIncludeUserClaimsInIdToken) and lets
   * userinfo accept API access tokens that carry `openid`. The login page itself is `@idsrv/interactions`.
   * @default undefined (no users: only client_credentials works)
   */
  users?: UserStore;
  /** Storage for every other oidc-provider model (sessions, grants, codes, tokens…). */
  adapter: OidcAdapterFactory;
  /**
   * Private signing keys as a JWKS. The first key signs; all are published at `jwks_uri` (so a newly added key can be
   * published before it signs). Keys need `alg` (ES256, EdDSA, RS256…) and `kid`. See `loadSigningKeys`.
   */
  jwks: JWKS;
  /**
   * Let the server call loopback URLs (`http://localhost:…`, `127.0.0.1`) — back-channel logout of a relying party
   * on the same machine, in development. oidc-provider otherwise refuses every special-use address (SSRF protection),
   * and other URLs keep that protection either way.
   * @default false
   */
  allowLoopbackRequests?: boolean;
  /** Keys that sign cookies; the first signs, all verify. Share them across instances. */
  cookieKeys?: string[];
  /**
   * Form of the `scope` claim in JWT access tokens: RFC 9068's space-delimited string, or IdentityServer's JSON array
   * for APIs that expect it.
   * @default 'string'
   */
  scopeClaimFormat?: 'string' | 'array';
  /**
   * Always add `{issuer}/resources` to `aud` (IdentityServer's `EmitStaticAudienceClaim`). Without it, the static
   * audience is used only when no API resource claims the token's scopes (JWT access tokens need an audience).
   * @default false
   */
  emitStaticAudienceClaim?: boolean;
  /**
   * Further oidc-provider configuration, merged over idsrv's (shallowly per top-level key, and per feature inside
   * `features`). Use it for what idsrv has no option for; overriding what idsrv sets (ttl, clientBasedCORS,
   * extraTokenClaims, resource indicators) breaks IdentityServer compatibility.
   */
  configuration?: Configuration;
  /**
   * The resource owner password grant (`password`), for clients that list it and given `users`. RFC 9700 §2.4: it
   * MUST NOT be used — prefer the code flow; it exists for migrating legacy clients. See the README.
   * @default {} (registered, not throttled)
   */
  passwordGrant?: PasswordGrantOptions;
  /**
   * Decides RFC 8693 token exchanges (`urn:ietf:params:oauth:grant-type:token-exchange`) for clients that list the
   * grant. The subject token is always checked first (an active access token of this server); the exchanged token never
   * has a scope the client is not allowed.
   * @default delegation: a token for the same `sub`, `act` naming the client (or the actor token's `sub`), scopes the
   * client's allowed API scopes ∩ requested, one optional `audience`/`resource` (see the README's "Token exchange")
   * @example
   * tokenExchangePolicy: async (ctx, { client, subject }, byDefault) => {
   *   if (!subject.scope.includes('api1')) throw new errors.InvalidGrant('only api1 tokens can be exchanged');
   *   return byDefault();
   * }
   */
  tokenExchangePolicy?: TokenExchangePolicy;
}
