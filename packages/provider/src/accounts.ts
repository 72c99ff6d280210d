import type { User, UserStore } from '@idsrv/model';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

/** A user's claims as token and userinfo claims: one value is a string, several of one type an array. */
export type ClaimSet = Record<string, unknown> & { sub: string };

// Claims whose JSON type is not a string (OpenID Connect Core §5.1); IdentityServer carries them as typed claims.
const BOOLEAN_CLAIMS = new Set(['email_verified', 'phone_number_verified']);
const NUMBER_CLAIMS = new Set(['updated_at']);

function typed(type: string, value: string): unknown {
  if (BOOLEAN_CLAIMS.has(type) && (value === 'true' || value === 'false')) return value === 'true';
  if (NUMBER_CLAIMS.has(type) && /^\d+$/.test(value)) return Number(value);
  if (type === 'address' && value.startsWith('{')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/** Every claim of a user, with `sub`; a type given more than once becomes an array. */
export function userClaims(user: User): ClaimSet {
  const claims: Record<string, unknown> = {};
  for (const { type, value } of user.claims) {
    if (type === 'sub') continue;
    const v = typed(type, value);
    const existing = claims[type];
    claims[type] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
  }
  return { ...claims, sub: user.subjectId };
}

/**
 * oidc-provider's `findAccount` over a {@link UserStore}: an unknown or inactive user is no account (so a token of a
 * deactivated user stops working at userinfo and refresh). oidc-provider then keeps only the claims of the granted
 * identity scopes.
 *
 * id_tokens follow IdentityServer's `AlwaysIncludeUserClaimsInIdToken`: when it is off (the default) and the response
 * also gives an access token (every flow but `response_type=id_token`), the id_token carries `sub` and only the
 * claims asked for with the `claims` parameter; the rest is for userinfo. (oidc-provider's `conformIdTokenClaims` is
 * the same rule for all clients; idsrv turns it off and applies the rule per client here.)
 */
export function findAccountFromUsers(users: UserStore) {
  return async (ctx: KoaContextWithOIDC | undefined, sub: string) => {
    const user = await users.findBySubjectId(sub);
    if (!user?.isActive) return undefined;
    return {
      accountId: user.subjectId,
      async claims(use: string, _scope: string, requested?: Record<string, unknown> | null) {
        const all = userClaims(user);
        if (use !== 'id_token') return all;
        const client = ctx?.oidc?.client;
        if (client && clientSettings(client).alwaysIncludeUserClaimsInIdToken) return all;
        if (ctx?.oidc?.params?.response_type === 'id_token') return all;
        const minimal: ClaimSet = { sub: all.sub };
        for (const name of Object.keys(requested ?? {})) if (name in all) minimal[name] = all[name];
        return minimal;
      },
    };
  };
}
