import type { ResourceStore, SerializedClient } from '@idsrv/model';
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { enabledScopeNames, resourceIndicatorHooks, type StaticScopes } from './resource-scopes.ts';

/** What idsrv's own grant types (password, token exchange) need from the provider's options. */
export interface GrantSupportOptions {
  issuer: string;
  resources: ResourceStore;
  /** The provider's signing keys; the first key's `alg` signs JWT access tokens (as in the configuration). */
  jwks: { keys: readonly Record<string, unknown>[] };
}

/** Shared state of idsrv's grant handlers for one provider. */
export interface GrantSupport {
  readonly issuer: string;
  readonly resources: ResourceStore;
  /** `openid`, `offline_access` and the enabled identity resources (read once, as the configuration does). */
  staticScopes(): Promise<StaticScopes>;
  /** The resource-indicator hooks' resource server for `indicator` (the aggregate or an API resource's name). */
  resourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, client: unknown): Promise<ResourceServer>;
  /** The client's allowed API scopes that are defined and enabled. */
  allowedApiScopes(settings: SerializedClient): Promise<ReadonlySet<string>>;
}

export function createGrantSupport(options: GrantSupportOptions): GrantSupport {
  let staticScopes: Promise<StaticScopes> | undefined;
  let hooks: Promise<ReturnType<typeof resourceIndicatorHooks>> | undefined;
  const loadStaticScopes = () => {
    // The same set buildProviderConfiguration gives oidc-provider's `scopes`, which is fixed at construction too.
    staticScopes ??= options.resources
      .getAllResources()
      .then(
        ({ identityResources }) =>
          new Set([
            'openid',
            'offline_access',
            ...identityResources.filter((r) => r.enabled).map((r) => r.name),
          ]),
      );
    return staticScopes;
  };
  const loadHooks = () => {
    hooks ??= loadStaticScopes().then((scopes) =>
      resourceIndicatorHooks({
        issuer: options.issuer,
        resources: options.resources,
        staticScopes: scopes,
        signingAlg: String(options.jwks.keys[0]?.alg ?? 'ES256'),
      }),
    );
    return hooks;
  };
  return {
    issuer: options.issuer,
    resources: options.resources,
    staticScopes: loadStaticScopes,
    async resourceServerInfo(ctx, indicator, client) {
      return (await loadHooks()).getResourceServerInfo(ctx, indicator, client);
    },
    async allowedApiScopes(settings) {
      return enabledScopeNames(await options.resources.findApiScopesByName(settings.allowedScopes));
    },
  };
}

/** Space-delimited scope parameter → names, without empty entries or duplicates. */
export function splitScope(scope: unknown): string[] {
  if (Array.isArray(scope)) return [...new Set(scope.map(String))];
  return [
    ...new Set(
      String(scope ?? '')
        .split(' ')
        .filter(Boolean),
    ),
  ];
}

/**
 * oidc-provider's `InvalidGrant` always says "grant request is invalid"; IdentityServer tells the client a little more
 * (`invalid_username_or_password`), which is what a client needs to show and gives an attacker nothing new.
 */
export function invalidGrant(description: string, detail = description): Error {
  return Object.assign(new errors.InvalidGrant(detail), { error_description: description });
}

/**
 * idsrv's own grants cannot bind tokens to a DPoP key (oidc-provider's proof validation is internal to its grants), so
 * they refuse DPoP rather than silently issue a bearer token to a client that asked for, or must use, a bound one.
 */
export function refuseDPoP(ctx: KoaContextWithOIDC, grantType: string): void {
  const client = ctx.oidc.client as { dpopBoundAccessTokens?: boolean } | undefined;
  if (ctx.get('dpop') || client?.dpopBoundAccessTokens) {
    throw new errors.InvalidRequest(`DPoP-bound access tokens are not supported with the ${grantType} grant`);
  }
}
