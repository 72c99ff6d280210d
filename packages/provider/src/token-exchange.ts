import type { SerializedClient } from '@idsrv/model';
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';
import { type GrantSupport, invalidGrant, refuseDPoP, splitScope } from './grant-support.ts';
import { type MaybePromise, thenMaybe } from './maybe-promise.ts';
import { aggregateResource } from './resource-scopes.ts';

/** RFC 8693's grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The token request parameters of RFC 8693 §2.1. */
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'audience',
  'resource',
  'scope',
] as const;

/** RFC 8693 §3 token type identifiers. */
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;

/**
 * A `subject_token` or `actor_token` after idsrv checked it: an access token this server issued (a JWT verified with
 * the server's keys, or an opaque token found in the store with its grant), not expired, not sender-constrained.
 */
export interface ExchangedToken {
  /** The `subject_token_type` / `actor_token_type` the client gave. */
  readonly tokenType: string;
  /** The user the token was issued for; `undefined` for a client's own token (client_credentials). */
  readonly sub: string | undefined;
  /** The client the token was issued to. */
  readonly clientId: string;
  /** The token's scopes. */
  readonly scope: readonly string[];
  /** The token's claims: the JWT payload, or for an opaque token the equivalent (`sub`, `client_id`, `scope`, `act`…). */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * Whether `sub` is a current account (the user store's active user, through `findAccount`); `false` for an unknown
   * or deactivated user and for a client's own token.
   */
  readonly activeUser: boolean;
}

/** What the client asked for (RFC 8693 §2.1), parsed. */
export interface TokenExchangeRequest {
  /** `scope`, split; empty when absent. */
  readonly scope: readonly string[];
  /** Every `audience` value (logical names: idsrv reads them as API resource names). */
  readonly audience: readonly string[];
  /** Every `resource` value (idsrv reads them as API resource names too). */
  readonly resource: readonly string[];
  /** `requested_token_type`, or `undefined`. */
  readonly requestedTokenType: string | undefined;
}

/** What a {@link TokenExchangePolicy} receives. */
export interface TokenExchangeInput {
  /** The requesting client's definition (already authenticated, and listing the token-exchange grant). */
  readonly client: SerializedClient;
  readonly subject: ExchangedToken;
  readonly actor: ExchangedToken | undefined;
  readonly requested: TokenExchangeRequest;
}

/** What to issue: always an access token for `subject.sub`. */
export interface TokenExchangeDecision {
  /** Scopes of the new token. idsrv still refuses (`invalid_scope`) any that is not an allowed API scope of the client. */
  scope: readonly string[];
  /**
   * The API resource (by name) the token is for: its `aud`, and its scopes must be that resource's. `undefined`: the
   * `aud` lists every API resource of the scopes, as for any other token.
   */
  audience?: string | undefined;
  /**
   * The `act` claim (RFC 8693 §4.1): who acts for the subject. `undefined` issues an impersonation token, which
   * downstream services cannot tell from one issued to the subject's own client — decide that deliberately.
   */
  act?: Readonly<Record<string, unknown>> | undefined;
  /** Further claims for the token; registered names (`iss`, `sub`, `aud`, `exp`, `scope`, `client_id`, `jti`, `act`…) are dropped. */
  claims?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Decides a token exchange: return a {@link TokenExchangeDecision}, or throw one of oidc-provider's `errors`
 * (`InvalidGrant`, `InvalidTarget`, `InvalidScope`, `InvalidRequest`) to refuse. `byDefault()` is idsrv's default
 * decision for the same request (it throws where the default policy refuses), to build on.
 */
export type TokenExchangePolicy = (
  ctx: KoaContextWithOIDC,
  input: TokenExchangeInput,
  byDefault: () => Promise<TokenExchangeDecision>,
) => TokenExchangeDecision | Promise<TokenExchangeDecision>;

type FindAccount = (ctx: KoaContextWithOIDC, sub: string) => Promise<unknown> | unknown;

interface Dependencies {
  support: GrantSupport;
  jwks: { keys: readonly Record<string, unknown>[] };
  findAccount: FindAccount | undefined;
  policy: TokenExchangePolicy | undefined;
}

// Claims for tokens issued by the exchange, picked up by oidc-provider's `extraTokenClaims` (see withExchangeClaims).
const exchangeClaims = new WeakMap<object, Record<string, unknown>>();

/**
 * Wraps oidc-provider's `extraTokenClaims` so that a token issued by the exchange also carries `act` and the policy's
 * claims, in the JWT and in introspection of an opaque token alike.
 */
export function withExchangeClaims<C, T extends object>(
  inner: (ctx: C, token: T) => MaybePromise<Record<string, unknown> | undefined>,
) {
  // Not async: a token that did not come from an exchange gets the inner hook's answer as it is, without a promise.
  return (ctx: C, token: T): MaybePromise<Record<string, unknown> | undefined> => {
    const own = inner(ctx, token);
    const exchanged = exchangeClaims.get(token);
    return exchanged ? thenMaybe(own, (claims) => ({ ...claims, ...exchanged })) : own;
  };
}

/**
 * Claims a policy cannot set: the JWT's own and introspection's (where oidc-provider spreads extra claims before some
 * of its own, so `sub` from a policy would otherwise show there), and `act`, which has its own field.
 */
const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'scope',
  'client_id',
  'cnf',
  'act',
  'active',
  'token_type',
  'sid',
  'username',
  'authorization_details',
]);

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/**
 * The handler of RFC 8693 token exchange, for `provider.registerGrantType`. oidc-provider has authenticated the client
 * and refused (as `unauthorized_client`) one that does not list the grant. The subject (and actor) token must be an
 * access token this server issued and that is still active; the policy then decides what to issue (default:
 * {@link defaultTokenExchangeDecision}) and idsrv issues it, never with a scope the client is not allowed.
 */
export function tokenExchangeHandler(deps: Dependencies) {
  const keySet = createLocalJWKSet({
    keys: deps.jwks.keys.map((key) =>
      Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.has(name))),
    ),
  } as JSONWebKeySet);

  const verify = async (ctx: KoaContextWithOIDC, role: 'subject' | 'actor') => {
    const token = ctx.oidc.params?.[`${role}_token`];
    const tokenType = ctx.oidc.params?.[`${role}_token_type`];
    if (typeof tokenType !== 'string' || tokenType === '') {
      throw new errors.InvalidRequest(`missing required parameter '${role}_token_type'`);
    }
    if (tokenType !== TOKEN_TYPE.accessToken && tokenType !== TOKEN_TYPE.jwt) {
      throw new errors.InvalidRequest(
        `${role}_token_type '${tokenType}' is not supported; idsrv exchanges its own access tokens (${TOKEN_TYPE.accessToken})`,
      );
    }
    const found = await findAccessToken(ctx.oidc.provider as Provider, keySet, String(token));
    if (!found) {
      throw invalidGrant(
        `${role}_token is invalid: not an active access token issued by this server`,
        `token exchange: ${role}_token not found or not valid`,
      );
    }
    if (found.senderConstrained) {
      throw invalidGrant(`${role}_token is sender-constrained (DPoP or mTLS) and cannot be exchanged`);
    }
    const activeUser =
      found.sub !== undefined && deps.findAccount !== undefined
        ? (await deps.findAccount(ctx, found.sub)) !== undefined
        : false;
    return { ...found.token, tokenType, activeUser } satisfies ExchangedToken;
  };

  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
    const client = ctx.oidc.client!;
    refuseDPoP(ctx, 'token exchange');
    if (typeof params.subject_token !== 'string' || params.subject_token === '') {
      throw new errors.InvalidRequest("missing required parameter 'subject_token'");
    }
    if ((params.actor_token === undefined) !== (params.actor_token_type === undefined)) {
      throw new errors.InvalidRequest('actor_token and actor_token_type must be given together');
    }
    const settings = clientSettings(client);
    const subject = await verify(ctx, 'subject');
    const actor = params.actor_token === undefined ? undefined : await verify(ctx, 'actor');
    if (subject.sub === undefined) {
      // idsrv issues exchanged tokens for users only; a client's own token has no one to delegate for.
      throw invalidGrant('subject_token was issued to a client, not for a user');
    }
    const input: TokenExchangeInput = {
      client: settings,
      subject,
      actor,
      requested: {
        scope: splitScope(params.scope),
        audience: values(params.audience),
        resource: values(params.resource),
        requestedTokenType:
          typeof params.requested_token_type === 'string' ? params.requested_token_type : undefined,
      },
    };
    const byDefault = () => defaultTokenExchangeDecision(deps.support, input);
    const decision = deps.policy ? await deps.policy(ctx, input, byDefault) : await byDefault();
    await issueExchangedToken(ctx, deps.support, subject.sub, settings, decision);
  };
}

/**
 * idsrv's default exchange policy: delegation. The subject must be an active user; the new token is for that user,
 * with `act` naming the actor (the actor token's `sub`, or the requesting client as `client_id`; an `act` already in
 * the subject token is nested, RFC 8693 §4.1); its scopes are the requested ones — or, when none are requested, every
 * API scope — that the client is allowed, limited to the one API resource named by `audience` or `resource`, if any.
 * Only access tokens are issued.
 */
export async function defaultTokenExchangeDecision(
  support: GrantSupport,
  input: TokenExchangeInput,
): Promise<TokenExchangeDecision> {
  const { client, subject, actor, requested } = input;
  if (requested.requestedTokenType !== undefined && requested.requestedTokenType !== TOKEN_TYPE.accessToken) {
    throw new errors.InvalidRequest(
      `requested_token_type '${requested.requestedTokenType}' is not supported; idsrv issues access tokens (${TOKEN_TYPE.accessToken})`,
    );
  }
  if (!subject.activeUser) throw invalidGrant('subject_token does not belong to an active user');

  const targets = [...new Set([...requested.audience, ...requested.resource])];
  if (targets.length > 1) {
    throw new errors.InvalidTarget('only one audience or resource value is supported');
  }
  let allowed: ReadonlySet<string> = await support.allowedApiScopes(client);
  let audience: string | undefined;
  if (targets[0] !== undefined) {
    const [api] = await support.resources.findApiResourcesByName([targets[0]]);
    if (!api?.enabled) throw new errors.InvalidTarget(`unknown audience '${targets[0]}'`);
    allowed = new Set(api.scopes.filter((s) => allowed.has(s)));
    if (allowed.size === 0) {
      throw new errors.InvalidTarget(`the client is allowed no scope of audience '${api.name}'`);
    }
    audience = api.name;
  }
  for (const scope of requested.scope) {
    if (!allowed.has(scope)) throw new errors.InvalidScope('requested scope is not allowed', scope);
  }
  const scope = requested.scope.length > 0 ? [...requested.scope] : [...allowed];
  if (scope.length === 0) throw new errors.InvalidScope('the client is allowed no API scope', '');

  const act: Record<string, unknown> = actor
    ? actor.sub !== undefined
      ? { sub: actor.sub }
      : { client_id: actor.clientId }
    : { client_id: client.clientId };
  const prior = subject.claims.act;
  if (prior && typeof prior === 'object') act.act = prior;
  return { scope, audience, act };
}

/** Issues the decided access token for `sub`, checking the decision against what the client may have. */
async function issueExchangedToken(
  ctx: KoaContextWithOIDC,
  support: GrantSupport,
  sub: string,
  settings: SerializedClient,
  decision: TokenExchangeDecision,
): Promise<void> {
  const provider = ctx.oidc.provider as Provider;
  const client = ctx.oidc.client!;
  const indicator = decision.audience ?? aggregateResource(support.issuer);
  // For an API resource this throws invalid_target when it is unknown or disabled.
  const info = await support.resourceServerInfo(ctx, indicator, client);
  const served = new Set(String(info.scope ?? '').split(' '));
  const allowed = await support.allowedApiScopes(settings);
  const scopes = [...new Set(decision.scope)];
  if (scopes.length === 0) throw new errors.InvalidScope('no scope to issue', '');
  for (const scope of scopes) {
    // The safety net under any policy: an exchanged token never carries more than the client's own API scopes.
    if (!allowed.has(scope) || !served.has(scope)) {
      throw new errors.InvalidScope('requested scope is not allowed', scope);
    }
  }

  // No Grant record: nothing is refreshed from this token, and a grant per exchange (service-to-service calls are
  // frequent) would outlive its one-hour token in the store by weeks.
  // (@types/oidc-provider marks grantId required; oidc-provider itself does not need one.)
  const at = new provider.AccessToken({ accountId: sub, client, gty: TOKEN_EXCHANGE_GRANT_TYPE } as never);
  at.resourceServer = new provider.ResourceServer(indicator, info);
  at.scope = scopes.join(' ');
  const claims = Object.fromEntries(
    Object.entries(decision.claims ?? {}).filter(([name]) => !RESERVED_CLAIMS.has(name)),
  );
  exchangeClaims.set(at, { ...claims, ...(decision.act ? { act: decision.act } : {}) });
  ctx.oidc.entity('AccessToken', at);
  const accessToken = await at.save();

  ctx.body = {
    access_token: accessToken,
    issued_token_type: TOKEN_TYPE.accessToken,
    token_type: at.tokenType,
    expires_in: at.expiration,
    scope: at.scope,
  };
}

interface FoundToken {
  token: Omit<ExchangedToken, 'tokenType' | 'activeUser'>;
  sub: string | undefined;
  senderConstrained: boolean;
}

/** An active access token issued by this provider, JWT or opaque, or `undefined`. */
async function findAccessToken(
  provider: Provider,
  keySet: ReturnType<typeof createLocalJWKSet>,
  value: string,
): Promise<FoundToken | undefined> {
  if (value.split('.').length === 3) {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(value, keySet, { issuer: provider.issuer, typ: 'at+jwt' }));
    } catch {
      return undefined;
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
    if (!clientId) return undefined;
    // RFC 9068 §2.2: a token without a resource owner has the client's id as `sub` (oidc-provider does that).
    const sub = payload.sub && payload.sub !== clientId ? payload.sub : undefined;
    return {
      token: { sub, clientId, scope: splitScope(payload.scope), claims: payload },
      sub,
      senderConstrained: payload.cnf !== undefined,
    };
  }
  const stored = await provider.AccessToken.find(value);
  if (!stored?.isValid) return undefined;
  // As introspection does: the token dies with its grant (revocation, refresh-token reuse, logout).
  if (stored.grantId) {
    const grant = await provider.Grant.find(stored.grantId);
    if (!grant || grant.clientId !== stored.clientId || grant.accountId !== stored.accountId)
      return undefined;
  }
  const sub = stored.accountId;
  const extra = (stored as { extra?: Record<string, unknown> }).extra;
  return {
    token: {
      sub,
      clientId: stored.clientId!,
      scope: splitScope(stored.scope),
      claims: {
        ...extra,
        iss: provider.issuer,
        sub,
        client_id: stored.clientId,
        scope: stored.scope,
        aud: stored.aud,
        iat: stored.iat,
        exp: stored.exp,
      },
    },
    sub,
    senderConstrained: stored.isSenderConstrained(),
  };
}

function values(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String).filter(Boolean);
}
