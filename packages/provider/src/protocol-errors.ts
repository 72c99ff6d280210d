import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Koa middleware for the token endpoint (installIdsrv mounts it there) that gives it IdentityServer's (and RFC 6749's) answers
 * where bare oidc-provider differs:
 * - a request other than POST is `400 invalid_request` JSON, not a plain-text 404;
 * - a grant type the client may not use is `unauthorized_client` (RFC 6749 §5.2), not `invalid_request`.
 */
export function tokenEndpointErrors() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    if (ctx.method !== 'POST' && ctx.method !== 'OPTIONS') {
      ctx.status = 400;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: 'invalid_request',
        error_description: 'the token endpoint only accepts POST requests',
      };
      return;
    }
    await next();
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
