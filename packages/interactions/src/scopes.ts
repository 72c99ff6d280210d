import type { ResourceStore } from '@idsrv/model';
import type { ConsentScope } from './pages/consent.tsx';

export const split = (scope: unknown): string[] => [
  ...new Set(
    String(scope ?? '')
      .split(' ')
      .filter(Boolean),
  ),
];

/** The resource indicators of a request (`resource` may be one string, several, or absent). */
export const indicatorsOf = (resource: unknown): string[] =>
  (Array.isArray(resource) ? resource : resource === undefined || resource === null ? [] : [resource]).map(
    String,
  );

/** IdentityServer's wording for `offline_access` (its `IdentityServerConstants.StandardScopes.OfflineAccess`). */
const OFFLINE_ACCESS: ConsentScope = {
  name: 'offline_access',
  displayName: 'Offline Access',
  description: 'Access to your applications and resources, even when you are offline',
  required: false,
  emphasize: true,
};

/** The requested scopes, sorted into the consent page's two lists with their display names. */
export async function describeScopes(
  resources: ResourceStore,
  requested: readonly string[],
): Promise<{ identity: ConsentScope[]; api: ConsentScope[] }> {
  const [identityResources, apiScopes] = await Promise.all([
    resources.findIdentityResourcesByScopeName(requested),
    resources.findApiScopesByName(requested),
  ]);
  const identity: ConsentScope[] = [];
  const api: ConsentScope[] = [];
  for (const name of requested) {
    const idr = identityResources.find((r) => r.name === name && r.enabled);
    if (idr) {
      identity.push({
        name,
        displayName: idr.displayName ?? name,
        description: idr.description,
        // openid is the protocol itself; declining it would only break the sign-in.
        required: idr.required || name === 'openid',
        emphasize: idr.emphasize,
      });
      continue;
    }
    if (name === 'openid') {
      identity.push({ name, displayName: 'Your user identifier', required: true, emphasize: false });
      continue;
    }
    const apiScope = apiScopes.find((s) => s.name === name && s.enabled);
    if (apiScope) {
      api.push({
        name,
        displayName: apiScope.displayName ?? name,
        description: apiScope.description,
        required: apiScope.required,
        emphasize: apiScope.emphasize,
      });
    } else if (name === 'offline_access') {
      api.push(OFFLINE_ACCESS);
    }
  }
  return { identity, api };
}

/** Scope names oidc-provider treats as OpenID Connect scopes (granted with `addOIDCScope`). */
export async function oidcScopeNames(resources: ResourceStore): Promise<Set<string>> {
  const { identityResources } = await resources.getAllResources();
  return new Set([
    'openid',
    'offline_access',
    ...identityResources.filter((r) => r.enabled).map((r) => r.name),
  ]);
}
