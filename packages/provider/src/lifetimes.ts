import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

const now = () => Math.floor(Date.now() / 1000);

/**
 * IdentityServer's refresh-token lifetime, in seconds. Absolute: what is left of `absoluteRefreshTokenLifetime`,
 * counted from when the grant began. Sliding: `slidingRefreshTokenLifetime` from now, never past the absolute limit
 * (0 = no absolute limit). Rotation (OneTimeOnly) therefore never extends an absolute lifetime.
 */
export function refreshTokenTtl(
  ctx: KoaContextWithOIDC | undefined,
  _token: unknown,
  client: unknown,
): number {
  const s = clientSettings(client);
  const grantStart = (ctx?.oidc?.entities?.Grant as { iat?: number } | undefined)?.iat ?? now();
  const absoluteLeft = s.absoluteRefreshTokenLifetime - (now() - grantStart);
  if (s.refreshTokenExpiration === 'Absolute') return Math.max(1, absoluteLeft);
  if (s.absoluteRefreshTokenLifetime === 0) return s.slidingRefreshTokenLifetime;
  return Math.max(1, Math.min(s.slidingRefreshTokenLifetime, absoluteLeft));
}

/** oidc-provider's `ttl` hooks, each reading the client's own lifetime (seconds) from its definition. */
export function clientLifetimes(defaults: { pushedAuthorization: number; ciba: number }) {
  return {
    AccessToken: (_ctx: unknown, _token: unknown, client: unknown) =>
      clientSettings(client).accessTokenLifetime,
    ClientCredentials: (_ctx: unknown, _token: unknown, client: unknown) =>
      clientSettings(client).accessTokenLifetime,
    IdToken: (_ctx: unknown, _token: unknown, client: unknown) =>
      clientSettings(client).identityTokenLifetime,
    AuthorizationCode: (_ctx: unknown, _token: unknown, client: unknown) =>
      clientSettings(client).authorizationCodeLifetime,
    DeviceCode: (_ctx: unknown, _token: unknown, client: unknown) =>
      clientSettings(client).deviceCodeLifetime,
    BackchannelAuthenticationRequest: (_ctx: unknown, _token: unknown, client: unknown) =>
      clientSettings(client).cibaLifetime ?? defaults.ciba,
    PushedAuthorizationRequest: (_ctx: unknown, _token: unknown, client: unknown) =>
      clientSettings(client).pushedAuthorizationLifetime ?? defaults.pushedAuthorization,
    RefreshToken: refreshTokenTtl,
  };
}
