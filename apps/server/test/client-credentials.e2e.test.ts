import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { startTestServer, tokenRequest } from './helpers.ts';

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function relyingParty(clientId: string, auth: oidc.ClientAuth) {
  return oidc.discovery(new URL(server.issuer), clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

interface Discovery {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  authorization_endpoint: string;
  token_endpoint_auth_methods_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

async function discover(): Promise<Discovery> {
  return (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Promise<Discovery>;
}

async function verify(accessToken: string) {
  const discovery = await discover();
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  return jwtVerify(accessToken, jwks, { issuer: server.issuer, typ: 'at+jwt' });
}

describe('client_credentials with openid-client', () => {
  it('service.client - client_secret_basic gets a JWT that verifies against jwks_uri with iss, aud, scope, client_id and its lifetime', async () => {
    const config = await relyingParty('service.client', oidc.ClientSecretBasic('secret'));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api1 api2.read_only' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(600);
    const { payload, protectedHeader } = await verify(tokens.access_token);
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.client_id).toBe('service.client');
    expect(payload.scope).toBe('api1 api2.read_only');
    expect(payload.aud).toEqual(['api1', 'api2', 'shared']);
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.client_tier).toBe('gold');
  });

  it('service.client - no scope parameter grants every allowed API scope (IdentityServer behaviour)', async () => {
    const config = await relyingParty('service.client', oidc.ClientSecretBasic('secret'));
    const tokens = await oidc.clientCredentialsGrant(config);
    const { payload } = await verify(tokens.access_token);
    expect(String(payload.scope).split(' ').sort()).toEqual(['api1', 'api2.read_only']);
  });

  it('local-dev - client_secret_post gets a token whose aud names the API resources of its scope', async () => {
    const config = await relyingParty('local-dev', oidc.ClientSecretPost('secret'));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api1' });
    const { payload } = await verify(tokens.access_token);
    expect(payload.client_id).toBe('local-dev');
    expect(payload.scope).toBe('api1');
    expect(payload.aud).toEqual(['api1', 'shared']);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
  });

  it('local-dev - client_secret_basic works as well as client_secret_post', async () => {
    const config = await relyingParty('local-dev', oidc.ClientSecretBasic('secret'));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api1' });
    expect((await verify(tokens.access_token)).payload.client_id).toBe('local-dev');
  });
});

describe('client_credentials errors (RFC 6749 JSON, never a 5xx)', () => {
  it('a wrong secret is 401 invalid_client with WWW-Authenticate for Basic', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'client_credentials' },
      { basic: ['service.client', 'nope'] },
    );
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('a wrong secret through client_secret_post is 401 invalid_client', async () => {
    const res = await tokenRequest(server, {
      grant_type: 'client_credentials',
      client_id: 'local-dev',
      client_secret: 'nope',
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('an unknown client is 401 invalid_client', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'client_credentials' },
      { basic: ['who', 'secret'] },
    );
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('a disabled client is invalid_client', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'client_credentials' },
      { basic: ['disabled.client', 'secret'] },
    );
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('a scope outside AllowedScopes is 400 invalid_scope', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'api1 api3' },
      { basic: ['local-dev', 'secret'] },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it('an unknown scope is 400 invalid_scope', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'nothing' },
      { basic: ['local-dev', 'secret'] },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it('an identity scope with client_credentials is 400 invalid_scope', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'client_credentials', scope: 'openid' },
      { basic: ['local-dev', 'secret'] },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
  });

  it('a grant type the client may not use is 400 unauthorized_client', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://localhost/cb' },
      { basic: ['service.client', 'secret'] },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('a grant type the server does not know is 400 unsupported_grant_type', async () => {
    const res = await tokenRequest(
      server,
      { grant_type: 'urn:example:magic' },
      { basic: ['service.client', 'secret'] },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_grant_type');
  });

  it('a GET to the token endpoint is 400 invalid_request JSON', async () => {
    const response = await fetch(`${server.issuer}/connect/token`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a missing grant_type is 400 invalid_request', async () => {
    const res = await tokenRequest(server, {}, { basic: ['service.client', 'secret'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});

describe('hashed secrets', () => {
  it('an expired secret no longer works while another secret of the same client does', async () => {
    const expired = await tokenRequest(
      server,
      { grant_type: 'client_credentials' },
      { basic: ['rotating.client', 'old-secret'] },
    );
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('invalid_client');
    const current = await tokenRequest(
      server,
      { grant_type: 'client_credentials' },
      { basic: ['rotating.client', 'secret'] },
    );
    expect(current.status).toBe(200);
    expect(current.body.access_token).toEqual(expect.any(String));
  });

  it('client_secret_jwt and HS* algorithms are not offered, since only hashes of secrets are stored', async () => {
    const discovery = await discover();
    expect(discovery.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
    expect(discovery.id_token_signing_alg_values_supported.some((a: string) => a.startsWith('HS'))).toBe(
      false,
    );
  });
});

describe('IdentityServer-compatible endpoints', () => {
  it('discovery lists the /connect/* endpoints', async () => {
    const discovery = await discover();
    expect(discovery.issuer).toBe(server.issuer);
    expect(discovery.token_endpoint).toBe(`${server.issuer}/connect/token`);
    expect(discovery.authorization_endpoint).toBe(`${server.issuer}/connect/authorize`);
    expect(discovery.jwks_uri).toBe(`${server.issuer}/.well-known/openid-configuration/jwks`);
  });

  it('GET /healthz answers 200', async () => {
    const response = await fetch(`${server.issuer}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
