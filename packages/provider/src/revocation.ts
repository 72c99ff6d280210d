import { errors, type KoaContextWithOIDC } from 'oidc-provider';

interface RevocableToken {
  kind: string;
  clientId?: string | undefined;
  destroy(): Promise<void>;
}

interface RevokingClient {
  clientId: string;
  clientAuthMethod?: string;
}

/**
 * oidc-provider's `features.revocation.allowedPolicy` with IdentityServer's rules (RFC 7009):
 * - A client may revoke only tokens issued to it. A confidential client presenting another client's token is refused
 *   with `invalid_request` (RFC 7009 §2.1: the request is refused and the client informed; IdentityServer answers 200
 *   and revokes nothing); a public client gets 200 and nothing is revoked, so it cannot probe for tokens.
 * - Revoking a refresh token revokes its grant: every token issued with it (oidc-provider's behaviour; IdentityServer
 *   likewise removes the refresh token and the reference tokens of the same user, client and session).
 * - Revoking a reference access token revokes that token only. oidc-provider would also revoke every other token of
 *   its grant — the refresh token included — so this policy destroys the one token itself and answers "not allowed",
 *   which makes oidc-provider stop there (the response is still RFC 7009's 200).
 */
export async function revocationAllowedPolicy(
  _ctx: KoaContextWithOIDC,
  client: RevokingClient,
  token: RevocableToken,
): Promise<boolean> {
  if (token.clientId !== client.clientId) {
    if (client.clientAuthMethod === 'none') return false;
    throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
  }
  if (token.kind === 'AccessToken') {
    await token.destroy();
    return false;
  }
  return true;
}
