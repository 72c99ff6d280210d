import { clientSettings } from '@idsrv/provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ConsentStore } from './consents.ts';
import { indicatorsOf, split } from './scopes.ts';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

/**
 * Adds what the request asks for to a grant: its OpenID Connect scopes and claims, and every requested scope for each
 * resource indicator (oidc-provider keeps, per access token, only those its resource server serves).
 */
export function grantRequested(grant: Grant, ctx: KoaContextWithOIDC, scopes: readonly string[]): void {
  const oidcScopes = ctx.oidc.requestParamOIDCScopes as Set<string>;
  const granted = scopes.filter((s) => oidcScopes.has(s));
  if (granted.length > 0) grant.addOIDCScope(granted.join(' '));
  const claims = [...((ctx.oidc.requestParamClaims as Set<string> | undefined) ?? [])];
  if (claims.length > 0) grant.addOIDCClaims(claims);
  for (const indicator of indicatorsOf(ctx.oidc.params?.resource)) {
    if (scopes.length > 0) grant.addResourceScope(indicator, scopes.join(' '));
  }
}

/**
 * oidc-provider's `loadExistingGrant`, with IdentityServer's consent rules:
 * - the grant just made on the consent page is used as it is;
 * - a client with `RequireConsent: false` never shows the consent page: its grant is made (or extended) here with
 *   everything requested;
 * - a client with `RequireConsent: true` skips the page only when the user ticked "Remember my decision" earlier for
 *   (at least) the requested scopes, within `ConsentLifetime`; otherwise there is no grant, and oidc-provider's
 *   consent prompt shows the consent page (or answers `consent_required` to `prompt=none`).
 */
export function loadExistingGrant(consents: ConsentStore) {
  return async (ctx: KoaContextWithOIDC): Promise<Grant | undefined> => {
    const { provider, client, session, result, params } = ctx.oidc;
    const fromConsent = (result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId;
    if (fromConsent) return provider.Grant.find(fromConsent);
    const accountId = session?.accountId;
    if (!client || !accountId) return undefined;

    const requested = split(params?.scope);
    if (clientSettings(client).requireConsent) {
      const remembered = await consents.find(client.clientId, accountId);
      if (!remembered || !requested.every((s) => remembered.scopes.includes(s))) return undefined;
    }
    const existingId = session.grantIdFor(client.clientId);
    let grant = existingId ? await provider.Grant.find(existingId) : undefined;
    if (!grant || grant.accountId !== accountId || grant.clientId !== client.clientId) {
      grant = new provider.Grant({ accountId, clientId: client.clientId });
    }
    grantRequested(grant, ctx, requested);
    await grant.save();
    return grant;
  };
}
