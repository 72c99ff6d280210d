import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';
import type { RunningServer } from '../src/server.ts';
import { ALICE, REDIRECT_URI } from './redis-helpers.ts';

/** Reference-token clients, API resources api1/api2 with ApiSecrets (see the file). */
export const REFERENCE_CONFIG = fileURLToPath(
  new URL('./fixtures/reference-tokens/appsettings.json', import.meta.url),
);

/** A raw form POST, for exact statuses and error bodies; `basic` is `[id, secret]`. */
export async function postForm(
  server: RunningServer,
  path: string,
  body: Record<string, string>,
  basic?: [string, string],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(basic.join(':')).toString('base64')}`;
  const response = await fetch(`${server.issuer}${path}`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** openid-client configured for `clientId` (a client, or an API resource calling the introspection endpoint). */
export function relyingParty(server: RunningServer, clientId: string, secret: string) {
  return oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.ClientSecretBasic(secret), {
    execute: [oidc.allowInsecureRequests],
  });
}

/**
 * What the login and consent pages leave behind once alice approved `openid api1 offline_access`: a Grant with the
 * API scope on idsrv's aggregate resource, and a PKCE code for it, made through the provider's own models.
 */
export async function mintCodeWithApiScope(
  server: RunningServer,
  clientId: string,
  scope = 'openid api1 offline_access',
) {
  const resource = `${server.issuer}/resources`;
  const { Grant, AuthorizationCode, Client } = server.provider as unknown as {
    Grant: new (
      init: object,
    ) => {
      addOIDCScope(s: string): void;
      addResourceScope(r: string, s: string): void;
      save(): Promise<string>;
    };
    AuthorizationCode: new (init: object) => { save(): Promise<string> };
    Client: { find(id: string): Promise<unknown> };
  };
  const grant = new Grant({ accountId: ALICE, clientId });
  grant.addOIDCScope(
    scope
      .split(' ')
      .filter((s) => s === 'openid' || s === 'offline_access')
      .join(' '),
  );
  const apiScopes = scope.split(' ').filter((s) => s !== 'openid' && s !== 'offline_access');
  // As the consent page does: idsrv's aggregate resource carries the identity scopes too (userinfo accepts its tokens).
  if (apiScopes.length > 0) grant.addResourceScope(resource, scope);
  const grantId = await grant.save();
  const verifier = randomBytes(32).toString('base64url');
  const code = await new AuthorizationCode({
    client: await Client.find(clientId),
    accountId: ALICE,
    grantId,
    scope,
    ...(apiScopes.length > 0 ? { resource } : {}),
    redirectUri: REDIRECT_URI,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    authTime: Math.floor(Date.now() / 1000),
  }).save();
  return { code, verifier, grantId };
}
