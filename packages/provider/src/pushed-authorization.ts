import { decodeJwt, decodeProtectedHeader, UnsecuredJWT } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

interface PushedRequestEntity {
  request: string;
  save(ttl: number): Promise<string>;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Koa middleware for the PAR endpoint: IdentityServer's per-client `PushedAuthorizationLifetime` (seconds).
 * oidc-provider 9 has no lifetime setting for pushed requests (it keeps each one 60 seconds, or less when a signed
 * request object expires sooner; its `ttl.PushedAuthorizationRequest` is never read), so after it has stored the
 * request this stores it again with the client's lifetime and answers that `expires_in`:
 *
 * - plain parameters: oidc-provider keeps them as an unsigned JWT whose `exp` it checks again at the authorization
 *   endpoint, so that envelope is re-issued with the client's lifetime;
 * - a signed request object (JAR): its own `exp` still counts — the lifetime can shorten but never extend it.
 *
 * Clients without the setting keep oidc-provider's 60 seconds.
 */
export function pushedAuthorizationLifetime(parPath: string) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.path !== parPath || ctx.status !== 201) return;
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    const pushed = oidc?.entities.PushedAuthorizationRequest as PushedRequestEntity | undefined;
    if (!oidc?.client || !pushed) return;
    const lifetime = clientSettings(oidc.client).pushedAuthorizationLifetime;
    if (lifetime === undefined) return;

    const issuedAt = now();
    let ttl = lifetime;
    if (decodeProtectedHeader(pushed.request).alg === 'none') {
      // oidc-provider's own envelope (iss = client, aud = issuer): the same claims with a new validity window.
      pushed.request = new UnsecuredJWT(decodeJwt(pushed.request))
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(issuedAt + lifetime)
        .encode();
    } else {
      const { exp } = decodeJwt(pushed.request);
      if (typeof exp === 'number') ttl = Math.min(lifetime, exp - issuedAt);
      if (ttl < 1) return;
    }
    await pushed.save(ttl);
    ctx.body = { ...(ctx.body as Record<string, unknown>), expires_in: ttl };
  };
}
