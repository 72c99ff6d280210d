import type { ApiResource } from '@idsrv/model';
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { IntrospectionClientSource } from './introspection-clients.ts';

interface IntrospectedToken {
  clientId?: string | undefined;
  aud?: string | string[] | undefined;
}

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']);

/** The API resource a client instance stands for, when it is an introspection pseudo-client. */
export function apiResourceOf(client: unknown): ApiResource | undefined {
  const instance = client as { clientId?: string; constructor?: { adapter?: unknown } } | undefined;
  const source = instance?.constructor?.adapter as Partial<IntrospectionClientSource> | undefined;
  return instance?.clientId === undefined ? undefined : source?.apiResourceFor?.(instance.clientId);
}

const audiences = (aud: unknown): string[] =>
  Array.isArray(aud) ? aud.map(String) : typeof aud === 'string' ? [aud] : [];

/**
 * oidc-provider's `features.introspection.allowedPolicy`: who may learn that a token is active.
 * - An API resource (authenticated with its `ApiSecrets`) sees only tokens whose `aud` includes its name, as in
 *   IdentityServer; for any other token it gets `{ "active": false }`, which does not even reveal that it exists.
 * - A client sees only its own tokens. (oidc-provider's default lets any confidential client introspect every token.)
 */
export function introspectionAllowedPolicy(
  _ctx: KoaContextWithOIDC,
  client: { clientId: string },
  token: IntrospectedToken,
): boolean {
  const api = apiResourceOf(client);
  if (api) return audiences(token.aud).includes(api.name);
  return token.clientId === client.clientId;
}

/** Options of {@link introspectionResponses}. */
export interface IntrospectionResponseOptions {
  issuer: string;
  /** The provider's (private) signing keys; only their public parts are used. */
  jwks: { keys: readonly Record<string, unknown>[] };
}

/**
 * Koa middleware around oidc-provider's introspection endpoint (installIdsrv mounts it there), for what it does not do:
 * - **JWT access tokens.** oidc-provider introspects only tokens it stores and refuses JWTs with
 *   `unsupported_token_type` — after it has authenticated the caller. IdentityServer answers for its JWTs too, so
 *   this middleware takes over exactly then: the JWT is verified against the provider's own keys (`iss`,
 *   `typ: at+jwt`, `exp`); the same policy as for stored tokens applies (an API resource must be in `aud`, a client
 *   must be the token's `client_id`); the answer is the token's claims with `active: true`, else `active: false`.
 *   A JWT stays active until it expires even if its grant was revoked, as in IdentityServer: use reference tokens
 *   where revocation must take effect at once.
 * - **Scopes for API resources.** As IdentityServer's does, the response to an API resource lists only the token's
 *   scopes that belong to that API.
 */
export function introspectionResponses(options: IntrospectionResponseOptions) {
  const keySet = createLocalJWKSet({
    keys: options.jwks.keys.map((key) =>
      Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.has(name))),
    ),
  } as JSONWebKeySet);

  const verify = async (token: string): Promise<JWTPayload | undefined> => {
    try {
      const { payload } = await jwtVerify(token, keySet, { issuer: options.issuer, typ: 'at+jwt' });
      return payload;
    } catch {
      return undefined; // not ours, expired, or tampered with: inactive, like an unknown reference token
    }
  };

  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.method !== 'POST') return;
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    const client = oidc?.client;
    if (oidc?.route !== 'introspection' || !client) return;
    const api = apiResourceOf(client);
    const body = ctx.body as Record<string, unknown> | undefined;

    // oidc-provider refuses JWTs only after the caller authenticated (`client` is set), never before.
    if (ctx.status === 400 && body?.error === 'unsupported_token_type') {
      const payload = await verify(String(oidc.params?.token ?? ''));
      const allowed =
        payload !== undefined &&
        introspectionAllowedPolicy(ctx, client, {
          clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined,
          aud: payload.aud,
        });
      ctx.status = 200;
      ctx.body = allowed
        ? { ...payload, scope: scopeString(payload.scope), active: true }
        : { active: false };
    }

    const answer = ctx.body as Record<string, unknown> | undefined;
    if (api && ctx.status === 200 && answer?.active === true) {
      const scopes = String(answer.scope ?? '')
        .split(' ')
        .filter((s) => s && api.scopes.includes(s));
      if (scopes.length > 0) answer.scope = scopes.join(' ');
      else delete answer.scope;
    }
  };
}

// Introspection's `scope` is RFC 7662's space-delimited string even when JWTs carry IdentityServer's JSON array.
function scopeString(scope: unknown): string | undefined {
  if (Array.isArray(scope)) return scope.map(String).join(' ');
  return typeof scope === 'string' ? scope : undefined;
}

/**
 * Koa middleware for the introspection and revocation endpoints: a request without any client authentication is
 * `401 invalid_client` (RFC 6749 §5.2 lists "no client authentication included" under invalid_client; RFC 7662 §2.1
 * requires the caller to authenticate), with a `WWW-Authenticate: Basic` challenge, instead of oidc-provider's
 * `400 invalid_request`.
 */
export function missingCredentialsAreInvalidClient() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.status !== 400) return;
    const body = ctx.body as { error?: string; error_description?: string } | undefined;
    if (
      body?.error !== 'invalid_request' ||
      body.error_description !== 'no client authentication mechanism provided'
    )
      return;
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Basic realm="idsrv"');
    ctx.body = { error: 'invalid_client', error_description: 'client authentication is required' };
  };
}
