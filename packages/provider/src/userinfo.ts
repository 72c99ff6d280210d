import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { checkResourceProof } from './dpop.ts';

type FindAccount = (
  ctx: KoaContextWithOIDC | undefined,
  sub: string,
) => Promise<
  | {
      claims(
        use: string,
        scope: string,
        claims: object,
        rejected: string[],
      ): Promise<Record<string, unknown>>;
    }
  | undefined
>;

/** Options of {@link userinfoForApiTokens}. */
export interface UserinfoOptions {
  /** The userinfo path, e.g. `/connect/userinfo`: the URL a DPoP proof (`htu`) must name. */
  path: string;
  issuer: string;
  /** The provider's (private) signing keys; only their public parts are used. */
  jwks: { keys: readonly Record<string, unknown>[] };
  findAccount: FindAccount;
  /** Claim names by identity scope (`profile` → `name`, `family_name` …), as in oidc-provider's `claims`. */
  claimsByScope: () => Promise<Readonly<Record<string, readonly string[]>>>;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * IdentityServer's userinfo accepts any access token carrying the `openid` scope. oidc-provider's refuses a token
 * issued for a resource server (one with an `aud`), and cannot find JWT access tokens at all; with idsrv's aggregate
 * resource a code-flow client asking for `openid profile api1` gets exactly such a token. This Koa middleware answers
 * userinfo for those tokens: a JWT is verified against the provider's keys (issuer, `typ: at+jwt`, expiry), an opaque
 * token with an audience is looked up; the account must still exist and be active; the answer holds `sub` and the
 * claims of the token's identity scopes. A DPoP-bound one (`cnf.jkt`) must come with the `DPoP` scheme and a proof
 * of its key (`checkResourceProof`). Every other token goes on to oidc-provider unchanged.
 *
 * Like IdentityServer's, a JWT access token stays valid at userinfo until it expires even if its grant is revoked;
 * use reference (opaque) access tokens where that matters.
 */
export function userinfoForApiTokens(provider: Provider, options: UserinfoOptions) {
  const publicKeys = {
    keys: options.jwks.keys.map((key) =>
      Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.includes(name))),
    ),
  } as JSONWebKeySet;
  const keySet = createLocalJWKSet(publicKeys);

  const fail = (
    ctx: KoaContextWithOIDC,
    status: 401 | 403,
    error: string,
    description: string,
    scheme: 'Bearer' | 'DPoP' = 'Bearer',
  ) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.set(
      'WWW-Authenticate',
      `${scheme} realm="${options.issuer}", error="${error}", error_description="${description}"`,
    );
    ctx.body = { error, error_description: description };
  };

  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') return next();
    const match = /^(Bearer|DPoP)\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!match) return next();
    const dpopScheme = match[1]!.toLowerCase() === 'dpop';
    const token = match[2]!;

    let sub: string | undefined;
    let scope: string[];
    let clientId: unknown;
    let jkt: unknown; // a DPoP-bound token's key thumbprint (cnf.jkt)
    if (token.split('.').length === 3) {
      try {
        const { payload } = await jwtVerify(token, keySet, { issuer: options.issuer, typ: 'at+jwt' });
        // mTLS-bound: oidc-provider checks the certificate binding. DPoP-bound: checked below.
        if (payload.cnf && typeof (payload.cnf as { jkt?: unknown }).jkt !== 'string') return next();
        jkt = (payload.cnf as { jkt?: unknown } | undefined)?.jkt;
        clientId = payload.client_id;
        sub = payload.sub;
        scope = Array.isArray(payload.scope)
          ? payload.scope.map(String)
          : String(payload.scope ?? '').split(' ');
      } catch {
        return fail(ctx, 401, 'invalid_token', 'invalid access token');
      }
    } else {
      const stored = await provider.AccessToken.find(token);
      if (!stored || stored.aud === undefined || stored['x5t#S256']) return next();
      jkt = stored.jkt;
      clientId = stored.clientId;
      sub = stored.accountId;
      scope = String(stored.scope ?? '').split(' ');
    }
    // RFC 9449 §7: a DPoP-bound token needs the DPoP scheme and a proof of its key; an unbound one must not claim it.
    if (typeof jkt === 'string' && !dpopScheme)
      return fail(ctx, 401, 'invalid_token', 'failed jkt verification');
    if (typeof jkt !== 'string' && dpopScheme) {
      return fail(ctx, 401, 'invalid_token', 'access token is not sender-constrained', 'DPoP');
    }
    if (typeof jkt === 'string') {
      const problem = await checkResourceProof({
        proof: ctx.get('DPoP'),
        method: ctx.method,
        url: new URL(options.path, `${options.issuer}/`).href,
        accessToken: token,
        jkt,
        unique: (jti, expiresAt) => provider.ReplayDetection.unique(String(clientId), jti, expiresAt),
      });
      if (problem) return fail(ctx, 401, 'invalid_dpop_proof', problem, 'DPoP');
    }
    if (!scope.includes('openid'))
      return fail(ctx, 403, 'insufficient_scope', 'access token missing openid scope');
    if (!sub) return fail(ctx, 401, 'invalid_token', 'access token has no subject');

    const account = await options.findAccount(ctx, sub);
    if (!account) return fail(ctx, 401, 'invalid_token', 'associated account not found');
    const claims = await account.claims('userinfo', scope.join(' '), {}, []);
    const byScope = await options.claimsByScope();
    const allowed = new Set(scope.flatMap((s) => byScope[s] ?? []));
    const body: Record<string, unknown> = { sub };
    for (const [name, value] of Object.entries(claims)) {
      if (name !== 'sub' && allowed.has(name) && value !== undefined) body[name] = value;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
}
