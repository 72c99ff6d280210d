import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Koa middleware for the token endpoint (installIdsrv mounts it there): a request other than POST is
 * `400 invalid_request` JSON, as IdentityServer answers, not oidc-provider's plain-text 404. Not async: a POST goes on
 * without a promise of its own.
 */
export function tokenEndpointMethods() {
  return (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    if (ctx.method === 'POST' || ctx.method === 'OPTIONS') return next();
    ctx.status = 400;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      error: 'invalid_request',
      error_description: 'the token endpoint only accepts POST requests',
    };
    return Promise.resolve();
  };
}

/**
 * A step after the token endpoint (`PathRouter.after`; installIdsrv adds it there): a grant type the client may not
 * use is `unauthorized_client` (RFC 6749 §5.2), as IdentityServer answers, not oidc-provider's `invalid_request`.
 */
export function tokenEndpointErrors() {
  return (ctx: KoaContextWithOIDC): void => {
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (oidc?.route !== 'token' || ctx.status !== 400) return;
    const body = ctx.body as { error?: string } | undefined;
    const grantType = oidc.params?.grant_type;
    if (
      body?.error === 'invalid_request' &&
      typeof grantType === 'string' &&
      oidc.client &&
      !oidc.client.grantTypeAllowed(grantType)
    ) {
      ctx.body = {
        error: 'unauthorized_client',
        error_description: 'the client is not allowed to use this grant type',
      };
    }
  };
}
