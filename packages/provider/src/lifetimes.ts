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
export function clientLifetimes(defaults: { ciba: number }) {
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
    // (oidc-provider 9 reads no ttl for pushed authorization requests: see pushed-authorization.ts.)
    RefreshToken: refreshTokenTtl,
    Grant: grantTtl,
    // A sign-in page left open for an hour expires; a browser session lasts as long as oidc-provider's default
    // (14 days). Both are set so that oidc-provider does not print a notice on every sign-in.
    Interaction: INTERACTION_LIFETIME,
    Session: SESSION_LIFETIME,
  };
}

/** Seconds a login or consent page stays usable. */
const INTERACTION_LIFETIME = 60 * 60;
/** Seconds a browser session (the single sign-on cookie's record) lasts. */
const SESSION_LIFETIME = 14 * 24 * 60 * 60;

/** oidc-provider's default grant lifetime (seconds), kept for clients without refresh tokens. */
const DEFAULT_GRANT_LIFETIME = 14 * 24 * 60 * 60;
/** What "no absolute limit" (AbsoluteRefreshTokenLifetime 0 with Sliding) means for the grant: ten years. */
const UNLIMITED_GRANT_LIFETIME = 10 * 365 * 24 * 60 * 60;

/**
 * The grant's lifetime, in seconds. Refresh tokens die with their grant, so a client with AllowOfflineAccess keeps its
 * grant for as long as its refresh tokens can live (`absoluteRefreshTokenLifetime`, or ten years when that is 0).
 * oidc-provider creates grants without a client object, so the client comes from the request.
 */
export function grantTtl(ctx: KoaContextWithOIDC | undefined, _grant: unknown, client?: unknown): number {
  const owner = client ?? ctx?.oidc?.client;
  if (!owner) return DEFAULT_GRANT_LIFETIME;
  const s = clientSettings(owner);
  if (!s.allowOfflineAccess) return DEFAULT_GRANT_LIFETIME;
  const refresh =
    s.absoluteRefreshTokenLifetime === 0 ? UNLIMITED_GRANT_LIFETIME : s.absoluteRefreshTokenLifetime;
  return Math.max(DEFAULT_GRANT_LIFETIME, refresh);
}
