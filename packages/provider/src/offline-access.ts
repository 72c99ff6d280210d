import { decodeJwt } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** The `extraParams` entry that carries {@link keepOfflineAccess}; no client ever sends this parameter. */
export const OFFLINE_ACCESS_PARAM = 'idsrv_offline_access';

const split = (scope: unknown) =>
  String(scope ?? '')
    .split(' ')
    .filter(Boolean);

/**
 * IdentityServer issues a refresh token whenever a code-flow client with AllowOfflineAccess asks for
 * `offline_access`; bare oidc-provider drops the scope unless the request also says `prompt=consent` (its reading of
 * OpenID Connect Core §11). This validator runs (as oidc-provider's `extraParams` check, after its scope check) on
 * the authorization and PAR endpoints and puts the scope back when the raw request asked for it. A client without
 * AllowOfflineAccess that asks for it gets `invalid_scope`, as in IdentityServer.
 *
 * "The raw request" is the request object when there is one (a signed request object, or the pushed request a
 * `request_uri` points to): then, as RFC 9101 says, only its parameters count, not those beside it.
 */
export async function keepOfflineAccess(ctx: KoaContextWithOIDC): Promise<void> {
  const { route, params, client } = ctx.oidc;
  if ((route !== 'authorization' && route !== 'pushed_authorization_request') || !params || !client) return;
  const current = split(params.scope);
  if (current.includes('offline_access')) return;
  const body = (ctx.oidc as { body?: Record<string, unknown> }).body;
  const requestObject = rawRequestObject(ctx, body);
  const raw =
    requestObject === undefined
      ? [...split(ctx.query.scope), ...split(body?.scope)]
      : split(decodeJwt(requestObject).scope);
  if (!raw.includes('offline_access')) return;
  if (!String(params.response_type ?? '').includes('code')) return;
  if (!client.grantTypeAllowed('refresh_token'))
    throw new errors.InvalidScope('requested scope is not allowed', 'offline_access');
  params.scope = [...current, 'offline_access'].join(' ');
}

/**
 * The request object of this request, as sent: a pushed request's (oidc-provider keeps plain pushed parameters as an
 * unsigned JWT too) or a `request` parameter. oidc-provider has verified it before any `extraParams` check runs, so
 * reading its payload here needs no second verification.
 */
function rawRequestObject(
  ctx: KoaContextWithOIDC,
  body: Record<string, unknown> | undefined,
): string | undefined {
  const pushed = (ctx.oidc.entities as { PushedAuthorizationRequest?: { request?: unknown } })
    .PushedAuthorizationRequest;
  for (const candidate of [pushed?.request, body?.request, ctx.query.request]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return undefined;
}
