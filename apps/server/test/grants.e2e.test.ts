import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  ACCESS_TOKEN_TYPE,
  ALICE,
  ASSERTION_TYPE,
  type ClientKey,
  clientAssertion,
  type GrantKeys,
  TOKEN_EXCHANGE,
  writeGrantsConfig,
} from './grants-helpers.ts';
import { startTestServer, tokenRequest } from './helpers.ts';

let server: RunningServer;
let keys: GrantKeys;

beforeAll(async () => {
  const written = await writeGrantsConfig();
  keys = written.keys;
  server = await startTestServer(written.file);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function relyingParty(clientId: string, auth: oidc.ClientAuth) {
  return oidc.discovery(new URL(server.issuer), clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

const secretClient = (clientId: string) => relyingParty(clientId, oidc.ClientSecretBasic('secret'));

async function verifyAccessToken(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${server.issuer}/.well-known/openid-configuration/jwks`));
  return (await jwtVerify(token, jwks, { issuer: server.issuer, typ: 'at+jwt' })).payload;
}

/** A client assertion for this server (`aud` = the issuer unless `claims` say otherwise). */
const assertion = (clientId: string, key: ClientKey, claims: Record<string, unknown> = {}) =>
  clientAssertion(clientId, key, server.issuer, claims);

const withAssertion = (clientAssertion: string) =>
  tokenRequest(server, {
    grant_type: 'client_credentials',
    scope: 'api1',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: clientAssertion,
  });

async function passwordToken(clientId: string, username: string, password: string, scope: string) {
  return tokenRequest(
    server,
    { grant_type: 'password', username, password, scope },
    { basic: [clientId, 'secret'] },
  );
}

describe('private_key_jwt', () => {
  it('jwt.client - openid-client PrivateKeyJwt authenticates and gets a token', async () => {
    const config = await relyingParty(
      'jwt.client',
      oidc.PrivateKeyJwt({ key: keys.jwt.privateKey, kid: keys.jwt.kid }),
    );
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api1' });
    const payload = await verifyAccessToken(tokens.access_token);
    expect(payload.client_id).toBe('jwt.client');
    expect(payload.aud).toBe('api1');
  });

  it('jwt.client - replaying an assertion that was already accepted is invalid_client', async () => {
    let sent: string | undefined;
    const config = await relyingParty(
      'jwt.client',
      oidc.PrivateKeyJwt({ key: keys.jwt.privateKey, kid: keys.jwt.kid }),
    );
    // Capture the assertion openid-client really sent, then replay it.
    config[oidc.customFetch] = (url, options) => {
      const body = new URLSearchParams(String(options.body));
      sent = body.get('client_assertion') ?? undefined;
      return fetch(url, options as RequestInit);
    };
    await oidc.clientCredentialsGrant(config, { scope: 'api1' });
    expect(sent).toEqual(expect.any(String));
    const replay = await withAssertion(sent!);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
  });

  it('jwt.client - of three concurrent requests with one fresh assertion, exactly one is accepted', async () => {
    const shared = await assertion('jwt.client', keys.jwt);
    const results = await Promise.all([withAssertion(shared), withAssertion(shared), withAssertion(shared)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it('jwt.client - the audience may be the issuer or the token endpoint URL, nothing else', async () => {
    const tokenEndpoint = `${server.issuer}/connect/token`;
    for (const aud of [server.issuer, tokenEndpoint, [tokenEndpoint, 'https://other.example']]) {
      const response = await withAssertion(await assertion('jwt.client', keys.jwt, { aud }));
      expect(response.status, JSON.stringify(aud)).toBe(200);
    }
    for (const aud of ['https://other.example', `${server.issuer}/connect/userinfo`]) {
      const response = await withAssertion(await assertion('jwt.client', keys.jwt, { aud }));
      expect(response.status, aud).toBe(401);
      expect(response.body.error).toBe('invalid_client');
    }
  });

  it('jwt.client - an assertion without jti or exp, or signed by another key, is invalid_client', async () => {
    const noJti = await assertion('jwt.client', keys.jwt, { jti: undefined });
    const noExp = await new SignJWT({
      iss: 'jwt.client',
      sub: 'jwt.client',
      aud: server.issuer,
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'ES256', kid: keys.jwt.kid })
      .sign(keys.jwt.privateKey);
    const stranger = await assertion('jwt.client', keys.stranger);
    for (const bad of [noJti, noExp, stranger]) {
      const response = await withAssertion(bad);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_client');
    }
  });

  it('jwt.client - a client with only JWK secrets cannot use a shared secret', async () => {
    const response = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'api1' },
      { basic: ['jwt.client', 'secret'] },
    );
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
  });

  it('mixed.client - a JWK and a shared secret: either authenticates, as in IdentityServer', async () => {
    const withKey = await relyingParty(
      'mixed.client',
      oidc.PrivateKeyJwt({ key: keys.mixed.privateKey, kid: keys.mixed.kid }),
    );
    const byKey = await oidc.clientCredentialsGrant(withKey, { scope: 'api1' });
    expect((await verifyAccessToken(byKey.access_token)).client_id).toBe('mixed.client');
    const bySecret = await oidc.clientCredentialsGrant(await secretClient('mixed.client'), { scope: 'api1' });
    expect((await verifyAccessToken(bySecret.access_token)).client_id).toBe('mixed.client');
    const wrongSecret = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'api1' },
      { basic: ['mixed.client', 'wrong'] },
    );
    expect(wrongSecret.status).toBe(401);
    const replayed = await assertion('mixed.client', keys.mixed);
    expect((await withAssertion(replayed)).status).toBe(200);
    expect((await withAssertion(replayed)).body.error).toBe('invalid_client');
  });

  it('rotating-jwk.client - a JWK secret past its Expiration no longer authenticates; the current one does', async () => {
    const expired = await withAssertion(await assertion('rotating-jwk.client', keys.expired));
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('invalid_client');
    const current = await withAssertion(await assertion('rotating-jwk.client', keys.current));
    expect(current.status).toBe(200);
  });
});

describe('password grant', () => {
  it('ropc.client - openid-client gets an access token for alice, a refresh token with offline_access, no id_token', async () => {
    const config = await secretClient('ropc.client');
    const tokens = await oidc.genericGrantRequest(config, 'password', {
      username: 'alice',
      password: 'alice',
      scope: 'openid profile api1 offline_access',
    });
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope?.split(' ').sort()).toEqual(['api1', 'offline_access', 'openid', 'profile']);
    const payload = await verifyAccessToken(tokens.access_token);
    expect(payload.sub).toBe(ALICE);
    expect(payload.client_id).toBe('ropc.client');
    expect(payload.aud).toBe('api1');

    // The refresh token works with the standard refresh_token grant.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await verifyAccessToken(refreshed.access_token)).sub).toBe(ALICE);

    // userinfo accepts the token (it carries openid) and answers alice's profile.
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, ALICE);
    expect(userinfo.name).toBe('Alice Smith');
  });

  it('ropc.client - without scope: every allowed scope, offline_access included (IdentityServer)', async () => {
    const response = await tokenRequest(
      server,
      { grant_type: 'password', username: 'alice', password: 'alice' },
      { basic: ['ropc.client', 'secret'] },
    );
    expect(response.status).toBe(200);
    expect(String(response.body.scope).split(' ').sort()).toEqual([
      'api1',
      'api2.read_only',
      'offline_access',
      'openid',
      'profile',
    ]);
    expect(response.body.refresh_token).toEqual(expect.any(String));
    expect((await verifyAccessToken(String(response.body.access_token))).aud).toEqual(['api1', 'api2']);
  });

  it('ropc.client - a wrong password, an unknown user and an inactive user are the same invalid_grant', async () => {
    const answers = await Promise.all([
      passwordToken('ropc.client', 'alice', 'wrong', 'api1'),
      passwordToken('ropc.client', 'nobody', 'alice', 'api1'),
      passwordToken('ropc.client', 'dave', 'dave', 'api1'),
    ]);
    for (const { status, body } of answers) {
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'invalid_grant', error_description: 'invalid_username_or_password' });
    }
  });

  it('ropc.client - a scope the client is not allowed is invalid_scope; a missing username invalid_request', async () => {
    const scope = await passwordToken('ropc.client', 'alice', 'alice', 'api1 email');
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
    const noUser = await tokenRequest(
      server,
      { grant_type: 'password', password: 'alice' },
      { basic: ['ropc.client', 'secret'] },
    );
    expect(noUser.status).toBe(400);
    expect(noUser.body.error).toBe('invalid_request');
  });

  it('ropc.client - a DPoP proof is refused (invalid_request) rather than ignored for a bearer token', async () => {
    const response = await fetch(`${server.issuer}/connect/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('ropc.client:secret').toString('base64')}`,
        dpop: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
      },
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'alice',
        password: 'alice',
        scope: 'api1',
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('service.client - a client that does not list password is unauthorized_client', async () => {
    const response = await passwordToken('service.client', 'alice', 'alice', 'api1');
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unauthorized_client');
  });

  it('discovery lists the password and token exchange grants', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as {
      grant_types_supported: string[];
    };
    expect(discovery.grant_types_supported).toEqual(expect.arrayContaining(['password', TOKEN_EXCHANGE]));
  });
});

describe('token exchange', () => {
  const exchange = (clientId: string, params: Record<string, string>) =>
    tokenRequest(server, { grant_type: TOKEN_EXCHANGE, ...params }, { basic: [clientId, 'secret'] });

  async function aliceToken(clientId = 'ropc.client', scope = 'api1'): Promise<string> {
    const response = await passwordToken(clientId, 'alice', 'alice', scope);
    expect(response.status).toBe(200);
    return String(response.body.access_token);
  }

  it("exchange.client - openid-client exchanges alice's token: same sub, act names the client, aud limited to api2", async () => {
    const config = await secretClient('exchange.client');
    const tokens = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: await aliceToken(),
      subject_token_type: ACCESS_TOKEN_TYPE,
    });
    expect(tokens.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
    expect(tokens.refresh_token).toBeUndefined();
    const payload = await verifyAccessToken(tokens.access_token);
    expect(payload.sub).toBe(ALICE);
    expect(payload.client_id).toBe('exchange.client');
    expect(payload.act).toEqual({ client_id: 'exchange.client' });
    expect(payload.scope).toBe('api2.read_only');
    expect(payload.aud).toBe('api2');
  });

  it('exchange.client - audience=api2 is honoured; an audience whose scopes the client may not have is invalid_target', async () => {
    const subject = await aliceToken();
    const ok = await exchange('exchange.client', {
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      audience: 'api2',
    });
    expect(ok.status).toBe(200);
    expect((await verifyAccessToken(String(ok.body.access_token))).aud).toBe('api2');
    const byResource = await exchange('exchange.client', {
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: 'api2',
    });
    expect(byResource.status).toBe(200);
    expect((await verifyAccessToken(String(byResource.body.access_token))).aud).toBe('api2');
    for (const audience of ['api1', 'unknown-api']) {
      const refused = await exchange('exchange.client', {
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
        audience,
      });
      expect(refused.status, audience).toBe(400);
      expect(refused.body.error).toBe('invalid_target');
    }
    const scope = await exchange('exchange.client', {
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      scope: 'api1',
    });
    expect(scope.body.error).toBe('invalid_scope');
  });

  it('exchange.client - an actor token puts its sub in act; an exchanged token exchanged again nests act', async () => {
    const bob = await passwordToken('ropc.client', 'bob', 'bob', 'api1');
    const delegated = await exchange('exchange.client', {
      subject_token: await aliceToken(),
      subject_token_type: ACCESS_TOKEN_TYPE,
      actor_token: String(bob.body.access_token),
      actor_token_type: ACCESS_TOKEN_TYPE,
    });
    expect(delegated.status).toBe(200);
    const first = await verifyAccessToken(String(delegated.body.access_token));
    expect(first.act).toEqual({ sub: '88421113' });
    const again = await exchange('exchange.client', {
      subject_token: String(delegated.body.access_token),
      subject_token_type: ACCESS_TOKEN_TYPE,
    });
    expect(again.status).toBe(200);
    const second = await verifyAccessToken(String(again.body.access_token));
    expect(second.sub).toBe(ALICE);
    expect(second.act).toEqual({ client_id: 'exchange.client', act: { sub: '88421113' } });
  });

  it('exchange.client - an opaque (reference) subject token found in the store is exchanged', async () => {
    const reference = await aliceToken('ropc.reference', 'api1');
    expect(reference.split('.')).toHaveLength(1);
    const response = await exchange('exchange.client', {
      subject_token: reference,
      subject_token_type: ACCESS_TOKEN_TYPE,
    });
    expect(response.status).toBe(200);
    expect((await verifyAccessToken(String(response.body.access_token))).sub).toBe(ALICE);
  });

  it('exchange.reference - an exchanged reference token shows sub and act at introspection', async () => {
    const response = await exchange('exchange.reference', {
      subject_token: await aliceToken(),
      subject_token_type: ACCESS_TOKEN_TYPE,
    });
    expect(response.status).toBe(200);
    const reference = String(response.body.access_token);
    expect(reference.split('.')).toHaveLength(1);
    const introspection = await fetch(`${server.issuer}/connect/introspect`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('exchange.reference:secret').toString('base64')}` },
      body: new URLSearchParams({ token: reference }),
    });
    expect(await introspection.json()).toMatchObject({
      active: true,
      sub: ALICE,
      client_id: 'exchange.reference',
      scope: 'api2.read_only',
      act: { client_id: 'exchange.reference' },
    });
  });

  it('exchange.client - a bad, foreign or client-only subject token is invalid_grant', async () => {
    const foreign = await new SignJWT({ sub: ALICE, client_id: 'ropc.client', scope: 'api1' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(server.issuer)
      .setAudience('api1')
      .setExpirationTime('5m')
      .sign(keys.stranger.privateKey);
    const clientOnly = await oidc.clientCredentialsGrant(await secretClient('service.client'), {
      scope: 'api1',
    });
    for (const subject of ['not-a-token', 'a.b.c', foreign, clientOnly.access_token]) {
      const response = await exchange('exchange.client', {
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
      });
      expect(response.status, subject).toBe(400);
      expect(response.body.error).toBe('invalid_grant');
    }
  });

  it('exchange.client - missing or unsupported token types are invalid_request', async () => {
    const subject = await aliceToken();
    const cases: Record<string, string>[] = [
      { subject_token: subject },
      { subject_token: subject, subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
      { subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, actor_token: subject },
      {
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
        requested_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      },
    ];
    for (const params of cases) {
      const response = await exchange('exchange.client', params);
      expect(response.status, JSON.stringify(params)).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    }
  });

  it('ropc.client and service.client - clients that do not list token exchange are unauthorized_client', async () => {
    const subject = await aliceToken();
    for (const clientId of ['ropc.client', 'service.client']) {
      const response = await exchange(clientId, {
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN_TYPE,
      });
      expect(response.status, clientId).toBe(400);
      expect(response.body.error).toBe('unauthorized_client');
    }
  });
});

// Last: it fills carol's failure window (and adds to the loopback address's).
describe('password grant throttling', () => {
  it('carol - after five failed passwords even the right one is refused until the window ends', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect((await passwordToken('ropc.client', 'carol', 'wrong', 'api1')).body.error).toBe('invalid_grant');
    }
    const blocked = await passwordToken('ropc.client', 'carol', 'carol', 'api1');
    expect(blocked.status).toBe(400);
    expect(blocked.body.error).toBe('invalid_grant');
    expect(String(blocked.body.error_description)).toMatch(/too many failed sign-ins/);
    // Another user from the same address still signs in.
    expect((await passwordToken('ropc.client', 'alice', 'alice', 'api1')).status).toBe(200);
  });
});
