import type { ApiResource, ResourceStore } from '@idsrv/model';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';
import { type MaybePromise, thenMaybe } from './maybe-promise.ts';
import { aggregateResource, resourceLookups } from './resource-scopes.ts';

interface TokenLike {
  scope?: string | undefined;
  accountId?: string | undefined;
  client?: unknown;
  resourceServer?: { audience?: string | undefined } | undefined;
}

interface TokenClaimOptions {
  issuer: string;
  resources: ResourceStore;
  scopeClaimFormat: 'string' | 'array';
  emitStaticAudienceClaim: boolean;
}

/**
 * IdentityServer's `aud`: one entry per enabled API resource whose scopes contain a granted scope (resources that
 * require a resource indicator only when named), plus `{issuer}/resources` when `emitStaticAudienceClaim` is on or no
 * resource claims the token. A single audience is a string, several are an array.
 *
 * Synchronous when the store has its resources in memory (`ResourceStore.cachedQueries`), a promise otherwise: it runs
 * for every access token issued, where each promise costs.
 */
export function audienceFor(token: TokenLike, options: TokenClaimOptions): MaybePromise<string | string[]> {
  const named = token.resourceServer?.audience;
  if (named && named !== aggregateResource(options.issuer)) return named;
  const scopes = (token.scope ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) return audienceOf(NO_APIS, options);
  return thenMaybe(resourceLookups(options.resources).findApiResourcesByScopeName(scopes), (apis) =>
    audienceOf(apis, options),
  );
}

/** The `aud` of a token whose granted scopes belong to `apis`. */
function audienceOf(apis: readonly ApiResource[], options: TokenClaimOptions): string | string[] {
  // Stores answer a repeated query with the same read-only array (see resourceQueries): compute once per result.
  let byOptions = audiences.get(apis);
  if (!byOptions) {
    byOptions = new WeakMap();
    audiences.set(apis, byOptions);
  }
  let audience = byOptions.get(options);
  if (audience === undefined) {
    const names = apis.filter((a) => a.enabled && !a.requireResourceIndicator).map((a) => a.name);
    if (options.emitStaticAudienceClaim || names.length === 0) names.push(aggregateResource(options.issuer));
    const unique = [...new Set(names)];
    audience = unique.length === 1 ? unique[0]! : Object.freeze(unique);
    byOptions.set(options, audience);
  }
  // A copy of a list: the caller puts it into a token payload that others (customizers) may change.
  return typeof audience === 'string' ? audience : [...audience];
}

const NO_APIS: readonly ApiResource[] = Object.freeze([]);
const audiences = new WeakMap<
  readonly ApiResource[],
  WeakMap<TokenClaimOptions, string | readonly string[]>
>();

/** oidc-provider's `formats.customizers.jwt`: IdentityServer's `aud`, the `scope` form, and `IncludeJwtId`. */
export function jwtCustomizer(options: TokenClaimOptions) {
  const customize = (token: TokenLike, payload: Record<string, unknown>, aud: string | string[]): void => {
    payload.aud = aud;
    if (options.scopeClaimFormat === 'array' && typeof payload.scope === 'string') {
      payload.scope = payload.scope.split(' ');
    }
    if (token.client && !clientSettings(token.client).includeJwtId) delete payload.jti;
  };
  // Not async when the audience is known at once (see audienceFor): oidc-provider awaits whatever this returns.
  return (
    _ctx: KoaContextWithOIDC,
    token: TokenLike,
    jwt: { payload: Record<string, unknown> },
  ): MaybePromise<void> =>
    thenMaybe(audienceFor(token, options), (aud) => customize(token, jwt.payload, aud));
}

/**
 * oidc-provider's `extraTokenClaims`: the client's `claims`, named with `clientClaimsPrefix`, in tokens without a user
 * or when `alwaysSendClientClaims` is on. Several claims of one type become an array. Synchronous: oidc-provider awaits
 * whatever the hook returns, and a token without claims should not cost a promise.
 */
export function clientClaims(
  _ctx: KoaContextWithOIDC,
  token: TokenLike,
): Record<string, unknown> | undefined {
  if (!token.client) return undefined;
  const settings = clientSettings(token.client);
  if (settings.claims.length === 0 || (token.accountId && !settings.alwaysSendClientClaims)) return undefined;
  const claims: Record<string, string | string[]> = {};
  for (const { type, value } of settings.claims) {
    const name = `${settings.clientClaimsPrefix}${type}`;
    const existing = claims[name];
    claims[name] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return claims;
}
