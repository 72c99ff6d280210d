import type { OidcAdapter, OidcAdapterFactory, ResourceStore } from '@idsrv/model';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';
import { grantTtl } from './lifetimes.ts';
import type { MaybePromise } from './maybe-promise.ts';

/**
 * The adapter model name of the user claims kept per grant for `UpdateAccessTokenClaimsOnRefresh: false`: one record
 * per grant id, `{ grantId, claims }`, expiring with the grant.
 */
export const ACCESS_TOKEN_CLAIMS_MODEL = 'IdsrvAccessTokenClaims';

/**
 * Claims a user's claim of the same name must never replace or add to an access token: the JWT's and introspection's
 * own (oidc-provider spreads extra claims before some of its own, but not all of them), those of token exchange, and
 * the authentication facts that only the token service states.
 */
const PROTOCOL_CLAIMS = new Set([
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'client_id',
  'scope',
  'cnf',
  'act',
  'may_act',
  'auth_time',
  'acr',
  'amr',
  'sid',
  'idp',
  'typ',
  'active',
  'token_type',
  'username',
  'authorization_details',
]);

interface AccessTokenLike {
  kind?: string;
  accountId?: string | undefined;
  grantId?: string | undefined;
  gty?: string | undefined;
  scope?: string | undefined;
  client?: unknown;
}

interface AccountLike {
  accountId: string;
  claims(use: string, scope: string, claims: object, rejected: string[]): Promise<Record<string, unknown>>;
}

type FindAccount = (
  ctx: KoaContextWithOIDC | undefined,
  sub: string,
  token?: unknown,
) => Promise<AccountLike | undefined> | AccountLike | undefined;

/** Options of {@link withAccessTokenUserClaims}. */
export interface AccessTokenUserClaimsOptions {
  /** Where the API scopes and API resources (and their `userClaims`) are read. */
  resources: ResourceStore;
  /** oidc-provider's `findAccount` (idsrv's `findAccountFromUsers`, or the configuration's own). */
  findAccount?: FindAccount | undefined;
  /** Where the claims of the first issuance are kept for `UpdateAccessTokenClaimsOnRefresh: false`. */
  adapter?: OidcAdapterFactory | undefined;
}

/**
 * The claim types IdentityServer puts into a user's access token: the `userClaims` of the granted API scopes and of
 * the enabled API resources that contain them (Duende's `DefaultClaimsService.GetAccessTokenClaimsAsync`).
 */
export async function apiUserClaimTypes(
  resources: ResourceStore,
  scope: string | undefined,
): Promise<Set<string>> {
  const names = (scope ?? '').split(' ').filter(Boolean);
  const types = new Set<string>();
  if (names.length === 0) return types;
  const [scopes, apis] = await Promise.all([
    resources.findApiScopesByName(names),
    resources.findApiResourcesByScopeName(names),
  ]);
  for (const s of scopes) if (s.enabled) for (const t of s.userClaims) types.add(t);
  for (const a of apis) if (a.enabled) for (const t of a.userClaims) types.add(t);
  for (const t of PROTOCOL_CLAIMS) types.delete(t);
  return types;
}

function pick(claims: Record<string, unknown>, types: ReadonlySet<string>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const type of types) if (claims[type] !== undefined) picked[type] = claims[type];
  return picked;
}

/** The `grant_type` that issues this token: the last word of `gty` (`"authorization_code refresh_token"`). */
function issuedByRefresh(token: AccessTokenLike): boolean {
  return token.gty?.split(' ').at(-1) === 'refresh_token';
}

/**
 * Wraps oidc-provider's `extraTokenClaims` so that a user's access token (JWT and reference alike: oidc-provider
 * stores the extra claims in the opaque token's payload, which introspection returns) carries the user's values of the
 * claim types named by its API scopes and their API resources. Client credentials tokens (no user) get none. The inner
 * hook's claims (client claims) win over a user claim of the same name; protocol claims are never added.
 *
 * `UpdateAccessTokenClaimsOnRefresh`: IdentityServer keeps the access token with the refresh token and, unless the
 * client sets it, gives the refreshed token the claims of that first token. oidc-provider's models keep only their own
 * fields, so idsrv keeps the claims in its own record ({@link ACCESS_TOKEN_CLAIMS_MODEL}) keyed by the grant id, which
 * every refresh token of the grant carries (rotation keeps it) and which ends with the grant. It is written when a
 * client that may get refresh tokens (AllowOfflineAccess) receives a user's token with such claims — and again on each
 * refresh with `true`, as IdentityServer stores the new access token. A refresh of a grant without the record (issued
 * before idsrv kept them) reads the user and keeps what it read.
 */
export function withAccessTokenUserClaims<T extends object>(
  inner: (ctx: KoaContextWithOIDC, token: T) => MaybePromise<Record<string, unknown> | undefined>,
  options: AccessTokenUserClaimsOptions,
) {
  let kept: OidcAdapter | undefined;
  const keptClaims = () => {
    kept ??= options.adapter?.(ACCESS_TOKEN_CLAIMS_MODEL);
    return kept;
  };

  async function readUser(
    ctx: KoaContextWithOIDC,
    token: AccessTokenLike,
    types: ReadonlySet<string>,
  ): Promise<Record<string, unknown>> {
    const current = ctx?.oidc?.account as AccountLike | undefined;
    const account =
      current?.accountId === token.accountId
        ? current
        : await options.findAccount?.(ctx, token.accountId!, token);
    if (!account) return {};
    // `access_token` is not one of oidc-provider's own uses: a custom findAccount sees that the claims are for one.
    return pick(await account.claims('access_token', token.scope ?? '', {}, []), types);
  }

  async function userClaimsFor(
    ctx: KoaContextWithOIDC,
    token: AccessTokenLike,
  ): Promise<Record<string, unknown> | undefined> {
    if (token.kind !== 'AccessToken' || !token.accountId || !token.client) return undefined;
    const types = await apiUserClaimTypes(options.resources, token.scope);
    if (types.size === 0) return undefined;
    const settings = clientSettings(token.client);
    const store = token.grantId && settings.allowOfflineAccess ? keptClaims() : undefined;
    if (store && issuedByRefresh(token) && !settings.updateAccessTokenClaimsOnRefresh) {
      const record = await store.find(token.grantId!);
      if (record?.claims) return pick(record.claims as Record<string, unknown>, types);
    }
    const claims = await readUser(ctx, token, types);
    if (store) {
      const grant = ctx?.oidc?.entities?.Grant as { exp?: number } | undefined;
      const ttl = grant?.exp
        ? grant.exp - Math.floor(Date.now() / 1000)
        : grantTtl(ctx, undefined, token.client);
      await store.upsert(token.grantId!, { grantId: token.grantId!, claims }, Math.max(1, ttl));
    }
    return claims;
  }

  async function withUser(ctx: KoaContextWithOIDC, token: T): Promise<Record<string, unknown> | undefined> {
    const [user, own] = await Promise.all([userClaimsFor(ctx, token as AccessTokenLike), inner(ctx, token)]);
    if (!user || Object.keys(user).length === 0) return own;
    return { ...user, ...own };
  }

  // A token without a user (client credentials, every token but access tokens) goes straight to the inner hook: no
  // promise of its own on the client_credentials path.
  return (ctx: KoaContextWithOIDC, token: T) => {
    const { kind, accountId, client } = token as AccessTokenLike;
    return kind === 'AccessToken' && accountId && client ? withUser(ctx, token) : inner(ctx, token);
  };
}

/** Removes the kept claims of a revoked grant (oidc-provider's `grant.revoked` event). */
export function forgetKeptClaims(adapter: OidcAdapterFactory) {
  let kept: OidcAdapter | undefined;
  return (_ctx: unknown, grantId: string): void => {
    kept ??= adapter(ACCESS_TOKEN_CLAIMS_MODEL);
    // An event listener cannot fail the revocation; a record left behind expires with the grant and is never read
    // again (grant ids are not reused, and a refresh checks its grant first).
    void kept.destroy(grantId).catch(() => {});
  };
}
