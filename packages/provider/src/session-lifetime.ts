import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

interface SessionBoundSource {
  scopes: Set<string>;
}

/**
 * oidc-provider's `expiresWithSession`: IdentityServer's `CoordinateLifetimeWithUserSession`. A code (and the refresh
 * and access tokens redeemed from it) that expires with the session is unusable once the user's session is gone —
 * oidc-provider then finds no such refresh token, so refreshing is `invalid_grant` — and signing out (end_session)
 * revokes the client's grant, refresh tokens included.
 *
 * Without it, oidc-provider's default applies: only artifacts without `offline_access` expire with the session, so
 * refresh tokens outlive the sign-in (IdentityServer's default, `CoordinateLifetimeWithUserSession` unset or false).
 */
export function expiresWithSession(ctx: KoaContextWithOIDC, source: SessionBoundSource): boolean {
  const client = ctx.oidc.client;
  if (client && clientSettings(client).coordinateLifetimeWithUserSession) return true;
  return !source.scopes.has('offline_access');
}
