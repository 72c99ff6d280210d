import type { ApiResource, ApiScope, ResourceQueries, ResourceStore, SerializedClient } from '@idsrv/model';
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';
import { type MaybePromise, thenMaybe } from './maybe-promise.ts';

/** The `find…` lookups of a resource store, each answering a value or a promise of it. */
export type ResourceLookups = {
  readonly [K in keyof ResourceQueries]: (
    names: readonly string[],
  ) => MaybePromise<ReturnType<ResourceQueries[K]>>;
};

/**
 * The store's synchronous lookups over the snapshot it holds in memory (`ResourceStore.cachedQueries`) when it has
 * one, else the store's own async lookups: the same answers either way, without a promise when that is possible.
 */
export function resourceLookups(resources: ResourceStore): ResourceLookups {
  return resources.cachedQueries?.() ?? resources;
}

/** The resource indicator that stands for "every API resource of the requested scopes". */
export const aggregateResource = (issuer: string) => `${issuer}/resources`;

/** Scopes oidc-provider knows statically: `openid`, `offline_access` and the identity resources. */
export type StaticScopes = ReadonlySet<string>;

interface ResourceScopeOptions {
  issuer: string;
  resources: ResourceStore;
  staticScopes: StaticScopes;
  signingAlg: string;
}

/**
 * oidc-provider's resource-indicator hooks implementing IdentityServer's scope rules. API scopes are issued through
 * one aggregate resource server (`{issuer}/resources`) whose scope is the client's allowed, defined and enabled API
 * scopes; the token's real `aud` is computed from the API resources afterwards (see `audience.ts`). An API resource
 * whose name is an absolute URI can also be named directly with `resource=`.
 */
export function resourceIndicatorHooks(options: ResourceScopeOptions) {
  const aggregate = aggregateResource(options.issuer);

  const info = (settings: SerializedClient, scope: string[], audience?: string): ResourceServer =>
    Object.freeze({
      scope: scope.join(' '),
      ...(audience ? { audience } : {}),
      accessTokenTTL: settings.accessTokenLifetime,
      accessTokenFormat: settings.accessTokenType === 'Reference' ? 'opaque' : 'jwt',
      jwt: Object.freeze({ sign: Object.freeze({ alg: options.signingAlg as 'ES256' }) }),
    });

  // The aggregate resource server of a client depends only on its definition and on its allowed API scopes (the same
  // Set while the resources are unchanged, see enabledScopeNames), so it is built once per pair. oidc-provider copies
  // what it needs into a ResourceServer of its own; the cached object is frozen all the same.
  const aggregates = new WeakMap<
    SerializedClient,
    WeakMap<ReadonlySet<string>, { clientCredentials?: ResourceServer; user?: ResourceServer }>
  >();
  const aggregateInfo = (
    settings: SerializedClient,
    allowed: ReadonlySet<string>,
    clientCredentials: boolean,
  ) => {
    let byAllowed = aggregates.get(settings);
    if (!byAllowed) {
      byAllowed = new WeakMap();
      aggregates.set(settings, byAllowed);
    }
    let entry = byAllowed.get(allowed);
    if (!entry) {
      entry = {};
      byAllowed.set(allowed, entry);
    }
    if (clientCredentials) {
      entry.clientCredentials ??= info(settings, [...allowed]);
      return entry.clientCredentials;
    }
    // With a user, the API token also carries the identity scopes (and offline_access), as IdentityServer's
    // does: its `scope` reads `openid profile api1 offline_access`, and userinfo accepts it.
    entry.user ??= info(settings, [...userScopes(settings, options.staticScopes), ...allowed]);
    return entry.user;
  };

  return {
    enabled: true,
    // Without a `resource` parameter, API scopes go to the aggregate resource server. client_credentials always
    // does, because IdentityServer grants every allowed API scope when `scope` is omitted. Not async: oidc-provider
    // awaits whatever it returns, and the answer needs no store.
    defaultResource(ctx: KoaContextWithOIDC, client: unknown, oneOf?: string | string[]) {
      checkStaticScopes(ctx, clientSettings(client), options.staticScopes);
      if (oneOf) return oneOf;
      if (ctx.oidc.params?.grant_type === 'client_credentials') return aggregate;
      const requested = String(ctx.oidc.params?.scope ?? '')
        .split(' ')
        .filter(Boolean);
      return requested.some((s) => !options.staticScopes.has(s)) ? aggregate : undefined;
    },
    useGrantedResource: () => true,
    // Synchronous when the store has its resources in memory (`cachedQueries`): oidc-provider awaits whatever this
    // returns, and on the token endpoint every promise costs. Otherwise the same answer through the async lookups.
    getResourceServerInfo(
      ctx: KoaContextWithOIDC,
      indicator: string,
      client: unknown,
    ): MaybePromise<ResourceServer> {
      const settings = clientSettings(client);
      checkStaticScopes(ctx, settings, options.staticScopes);
      const lookups = resourceLookups(options.resources);
      return thenMaybe(lookups.findApiScopesByName(settings.allowedScopes), (scopes) => {
        const allowed = enabledScopeNames(scopes);
        if (indicator === aggregate) return serverInfo(ctx, indicator, settings, allowed, undefined);
        return thenMaybe(lookups.findApiResourcesByName([indicator]), ([api]) =>
          serverInfo(ctx, indicator, settings, allowed, api),
        );
      });
    },
  };

  /** The resource server of `indicator`: the aggregate one, or the API resource `api` it names. */
  function serverInfo(
    ctx: KoaContextWithOIDC,
    indicator: string,
    settings: SerializedClient,
    allowed: ReadonlySet<string>,
    api: ApiResource | undefined,
  ): ResourceServer {
    if (indicator === aggregate) {
      const clientCredentials = ctx.oidc.params?.grant_type === 'client_credentials';
      if (clientCredentials && ctx.oidc.route === 'token') {
        checkClientCredentialsScopes(ctx, settings, allowed, options.staticScopes);
      }
      return aggregateInfo(settings, allowed, clientCredentials);
    }
    if (!api?.enabled) throw new errors.InvalidTarget(`unknown resource indicator '${indicator}'`);
    if (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials') {
      const forResource = new Set(api.scopes.filter((s) => allowed.has(s)));
      checkClientCredentialsScopes(ctx, settings, forResource, options.staticScopes);
    }
    return info(
      settings,
      api.scopes.filter((s) => allowed.has(s)),
      api.name,
    );
  }
}

/** The client's allowed identity scopes (with `openid`) and `offline_access` when it has AllowOfflineAccess. */
function userScopes(settings: SerializedClient, staticScopes: StaticScopes): string[] {
  const scopes = settings.allowedScopes.filter((s) => staticScopes.has(s) && s !== 'offline_access');
  if (settings.allowOfflineAccess) scopes.push('offline_access');
  return scopes;
}

// Derived per store result: stores answer a repeated query with the same read-only array while the resources are
// unchanged (the ResourceStore contract allows shared results; see resourceQueries), so this is computed once.
const enabledNames = new WeakMap<readonly ApiScope[], ReadonlySet<string>>();

/** The names of the enabled scopes among `scopes` (a client's allowed API scopes, as the store found them). */
export function enabledScopeNames(scopes: readonly ApiScope[]): ReadonlySet<string> {
  let names = enabledNames.get(scopes);
  if (!names) {
    names = new Set(scopes.filter((s) => s.enabled).map((s) => s.name));
    enabledNames.set(scopes, names);
  }
  return names;
}

/**
 * IdentityServer's client_credentials scope rules, which bare oidc-provider does not have: no `scope` means every
 * allowed API scope; a scope the client may not use, an unknown one, or an identity scope is `invalid_scope` (bare
 * oidc-provider silently drops them).
 */
function checkClientCredentialsScopes(
  ctx: KoaContextWithOIDC,
  settings: SerializedClient,
  allowedApiScopes: ReadonlySet<string>,
  staticScopes: StaticScopes,
): void {
  const params = ctx.oidc.params as { scope?: string };
  const requested = String(params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  if (requested.length === 0) {
    if (allowedApiScopes.size === 0) throw new errors.InvalidScope('the client is allowed no API scope', '');
    params.scope = [...allowedApiScopes].join(' ');
    return;
  }
  for (const scope of requested) {
    if (staticScopes.has(scope)) {
      throw new errors.InvalidScope('identity scopes cannot be requested with client_credentials', scope);
    }
    if (!settings.allowedScopes.includes(scope))
      throw new errors.InvalidScope('requested scope is not allowed', scope);
    if (!allowedApiScopes.has(scope))
      throw new errors.InvalidScope('requested scope is not an API scope of the requested resource', scope);
  }
}

/**
 * Requested identity scopes (and `offline_access`) must be allowed to the client. oidc-provider checks them against the
 * client's `scope` metadata only when that is non-empty, so idsrv checks them itself on every route.
 */
function checkStaticScopes(
  ctx: KoaContextWithOIDC,
  settings: SerializedClient,
  staticScopes: StaticScopes,
): void {
  const requested = String(ctx.oidc.params?.scope ?? '')
    .split(' ')
    .filter(Boolean);
  for (const scope of requested) {
    if (!staticScopes.has(scope)) continue;
    const allowed =
      scope === 'offline_access' ? settings.allowOfflineAccess : settings.allowedScopes.includes(scope);
    if (!allowed) throw new errors.InvalidScope('requested scope is not allowed', scope);
  }
}
