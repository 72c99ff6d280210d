import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';
import { refreshTokenTtl } from './lifetimes.ts';

/**
 * oidc-provider's `rotateRefreshToken`: IdentityServer's `RefreshTokenUsage`. `OneTimeOnly` rotates (each use consumes
 * the token and issues a new one; presenting a consumed token again revokes the whole grant, which is oidc-provider's
 * reuse detection); `ReUse` keeps the same handle — except for a public client's token that is not sender-constrained
 * (DPoP): RFC 9700 §4.14.2 says such a refresh token MUST be rotated, so it is, whatever `RefreshTokenUsage` says.
 */
export function rotateRefreshToken(ctx: KoaContextWithOIDC): boolean {
  const { client } = ctx.oidc;
  if (clientSettings(client).refreshTokenUsage === 'OneTimeOnly') return true;
  const token = ctx.oidc.entities.RefreshToken as { isSenderConstrained?(): boolean } | undefined;
  return client?.clientAuthMethod === 'none' && !token?.isSenderConstrained?.();
}

interface RefreshTokenEntity {
  exp?: number;
  save(): Promise<string>;
}

/**
 * A step after the token endpoint (`PathRouter.after`): a `Sliding` refresh token that is re-used (not rotated) gets
 * its lifetime renewed on use, as IdentityServer does (`SlidingRefreshTokenLifetime` from now, never past the
 * absolute limit). oidc-provider renews nothing for a re-used token, and a rotated one already gets a fresh sliding
 * lifetime.
 */
export function slideReusedRefreshTokens() {
  return (ctx: KoaContextWithOIDC): Promise<string> | undefined => {
    if (ctx.status !== 200) return;
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (oidc?.params?.grant_type !== 'refresh_token' || !oidc.client) return;
    const entities = oidc.entities as { RefreshToken?: RefreshTokenEntity; RotatedRefreshToken?: unknown };
    const token = entities.RefreshToken;
    if (!token || entities.RotatedRefreshToken) return;
    if (clientSettings(oidc.client).refreshTokenExpiration !== 'Sliding') return;
    token.exp = Math.floor(Date.now() / 1000) + refreshTokenTtl(ctx, token, oidc.client);
    return token.save();
  };
}
