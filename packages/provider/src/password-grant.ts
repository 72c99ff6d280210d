import type { LoginThrottle, SerializedClient, UserStore } from '@idsrv/model';
import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';
import { type GrantSupport, invalidGrant, refuseDPoP, splitScope } from './grant-support.ts';
import { aggregateResource, type StaticScopes } from './resource-scopes.ts';

/** The grant type of the resource owner password credentials grant (IdentityServer's `ResourceOwnerPassword`). */
export const PASSWORD_GRANT_TYPE = 'password';

/** The token request parameters of the password grant (RFC 6749 §4.3.2). */
export const PASSWORD_GRANT_PARAMETERS = ['username', 'password', 'scope'] as const;

/**
 * A throttle of failed password checks: the `LoginThrottle` contract of `@idsrv/model`, so one throttle serves the
 * login page and the password grant (`createLoginThrottle()` of `@idsrv/interactions`, or the Redis store's).
 */
export type CredentialThrottle = LoginThrottle;

/** Options of the password grant (`passwordGrant` of `IdsrvProviderOptions`). */
export interface PasswordGrantOptions {
  /**
   * Limits failed password checks per username and per client IP; while a username or IP is blocked the grant answers
   * `invalid_grant` without checking the password at all. Pass `createLoginThrottle()` of `@idsrv/interactions`, or
   * the Redis store's `createLoginThrottle()` to count across instances.
   * @default undefined (not throttled)
   */
  throttle?: CredentialThrottle;
}

interface Dependencies {
  support: GrantSupport;
  users: UserStore | undefined;
  throttle: CredentialThrottle | undefined;
}

/**
 * The handler of the `password` grant, for `provider.registerGrantType`. oidc-provider has already authenticated the
 * client and refused (as `unauthorized_client`, see `tokenEndpointErrors`) one whose `grant_types` lacks `password`.
 *
 * IdentityServer's rules: scopes are checked before the user (no `scope` means every allowed scope, `offline_access`
 * included when AllowOfflineAccess); the credentials are checked by the user store (constant time, one answer for an
 * unknown user, a wrong password and an inactive user: `invalid_grant`); the response has an access token and, with
 * `offline_access`, a refresh token, but no id_token — the password grant is not an OpenID Connect flow.
 */
export function passwordGrantHandler(deps: Dependencies) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const { client, params } = ctx.oidc as { client: NonNullable<KoaContextWithOIDC['oidc']['client']> } & {
      params: Record<string, unknown>;
    };
    refuseDPoP(ctx, PASSWORD_GRANT_TYPE);
    if (!deps.users) throw new errors.UnsupportedGrantType('the password grant needs a user store');
    const { username, password } = params;
    if (typeof username !== 'string' || username === '') {
      throw new errors.InvalidRequest("missing required parameter 'username'");
    }
    if (typeof password !== 'string')
      throw new errors.InvalidRequest("missing required parameter 'password'");

    const settings = clientSettings(client);
    const staticScopes = await deps.support.staticScopes();
    const scopes = userScopes(params, settings, staticScopes, await deps.support.allowedApiScopes(settings));

    // Checked before the password, so that a blocked username or address learns nothing from the answer.
    const wait = (await deps.throttle?.retryAfter(username, ctx.ip)) ?? 0;
    if (wait > 0) {
      throw invalidGrant(
        `too many failed sign-ins; try again in ${wait} seconds`,
        'password grant throttled',
      );
    }
    const user = await deps.users.validateCredentials(username, password);
    if (!user) {
      await deps.throttle?.failed(username, ctx.ip);
      throw invalidGrant('invalid_username_or_password', 'password grant: invalid credentials');
    }
    await deps.throttle?.succeeded(username);

    await issueUserTokens(ctx, deps.support, staticScopes, { accountId: user.subjectId, scopes });
  };
}

/**
 * The scopes of a password-grant request, by IdentityServer's rules: the requested ones, or every allowed scope when
 * `scope` is absent; each must be allowed to the client (`offline_access` needs AllowOfflineAccess, an API scope must
 * also be defined and enabled); identity scopes need `openid`.
 */
function userScopes(
  params: Record<string, unknown>,
  settings: SerializedClient,
  staticScopes: StaticScopes,
  allowedApi: ReadonlySet<string>,
): string[] {
  const requested = splitScope(params.scope);
  let scopes: string[];
  if (requested.length === 0) {
    const withOpenid = settings.allowedScopes.includes('openid');
    scopes = settings.allowedScopes.filter(
      (s) => s !== 'offline_access' && (staticScopes.has(s) ? withOpenid : allowedApi.has(s)),
    );
    if (settings.allowOfflineAccess) scopes.push('offline_access');
  } else {
    for (const scope of requested) {
      const allowed =
        scope === 'offline_access'
          ? settings.allowOfflineAccess
          : settings.allowedScopes.includes(scope) && (staticScopes.has(scope) || allowedApi.has(scope));
      if (!allowed) throw new errors.InvalidScope('requested scope is not allowed', scope);
    }
    scopes = requested;
  }
  const identity = scopes.filter((s) => staticScopes.has(s) && s !== 'offline_access');
  if (identity.length > 0 && !identity.includes('openid')) {
    throw new errors.InvalidScope('identity scopes require the openid scope', identity.join(' '));
  }
  if (scopes.filter((s) => s !== 'offline_access').length === 0) {
    throw new errors.InvalidScope('no scope requested and the client is allowed none', '');
  }
  return scopes;
}

/**
 * Issues an access token (and a refresh token with `offline_access`) for a user without an authorization request:
 * a new grant holds the scopes, so the refresh token works with oidc-provider's own `refresh_token` grant. API scopes
 * go through the aggregate resource server, as in the code flow, so the token has IdentityServer's `aud` and `scope`.
 */
async function issueUserTokens(
  ctx: KoaContextWithOIDC,
  support: GrantSupport,
  staticScopes: StaticScopes,
  { accountId, scopes }: { accountId: string; scopes: string[] },
): Promise<void> {
  const provider = ctx.oidc.provider as Provider;
  const client = ctx.oidc.client!;
  const aggregate = aggregateResource(support.issuer);
  const oidcScopes = scopes.filter((s) => staticScopes.has(s));
  const hasApiScope = scopes.some((s) => !staticScopes.has(s));

  const grant = new provider.Grant({ accountId, clientId: client.clientId });
  if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
  if (hasApiScope) grant.addResourceScope(aggregate, scopes.join(' '));
  const grantId = await grant.save();
  ctx.oidc.entity('Grant', grant);

  const at = new provider.AccessToken({ accountId, client, grantId, gty: PASSWORD_GRANT_TYPE });
  if (hasApiScope) {
    at.resourceServer = new provider.ResourceServer(
      aggregate,
      await support.resourceServerInfo(ctx, aggregate, client),
    );
    const served = at.resourceServer.scopes;
    at.scope = scopes.filter((s) => served.has(s)).join(' ');
  } else {
    // Only identity scopes: an opaque token for userinfo, as the code flow gives for `openid profile`.
    at.scope = oidcScopes.join(' ');
  }
  ctx.oidc.entity('AccessToken', at);
  const accessToken = await at.save();

  let refreshToken: string | undefined;
  if (scopes.includes('offline_access')) {
    const rt = new provider.RefreshToken({
      accountId,
      client,
      grantId,
      gty: PASSWORD_GRANT_TYPE,
      scope: scopes.join(' '),
      ...(hasApiScope ? { resource: aggregate } : {}),
      rotations: 0,
    } as never);
    ctx.oidc.entity('RefreshToken', rt);
    refreshToken = await rt.save();
  }

  ctx.body = {
    access_token: accessToken,
    expires_in: at.expiration,
    token_type: at.tokenType,
    scope: at.scope,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}
