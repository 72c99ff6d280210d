import { fileURLToPath } from 'node:url';
import type { ConfigError } from '@idsrv/config-loader';
import { defineClient, defineDefinitions, IdentityResources, sha256 } from '@idsrv/model';
import { generateSigningKey } from '@idsrv/provider';
import { decodeJwt, importJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfiguration } from '../src/configuration.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { startTestServer } from './helpers.ts';

// Client properties that need no user: IncludeJwtId, RequirePushedAuthorization (+ lifetime), RequireRequestObject,
// the properties idsrv refuses, and AllowedIdentityTokenSigningAlgorithms checked at startup. The ones where a user
// signs in are in client-properties.browser.test.ts.

const FIXTURE = fileURLToPath(new URL('./fixtures/client-properties.json', import.meta.url));
const REFUSED_FIXTURE = fileURLToPath(
  new URL('./fixtures/unsupported-client-properties.json', import.meta.url),
);
const REDIRECT_URI = 'http://127.0.0.1/signin-oidc';
/** The private half of jar.required's JWK secret in the fixture. */
const JAR_KEY = {
  kty: 'EC',
  crv: 'P-256',
  kid: 'jar-test',
  x: '3lnDIjkJDEEvZqnhFETerix_uJUeT_oW-4OzpGvlMtA',
  y: 'UmoK4Rev38fLNGnE184NMaPGsjq4Xvoeq8WvKpvlFk4',
  d: 'qqXIVb4omnYOQKLnri7smlFY8S-4xLnKgXok3YYjh_0',
};

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer(FIXTURE);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const relyingParty = (clientId: string) =>
  oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.ClientSecretBasic('secret'), {
    execute: [oidc.allowInsecureRequests],
  });

/** A code-flow authorization request's parameters, with PKCE. */
async function codeParams(extra: Record<string, string> = {}) {
  return {
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid api1',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: oidc.randomState(),
    ...extra,
  };
}

/** GETs an authorization URL without following the redirect; returns where it points. */
async function authorize(url: URL): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  expect([302, 303]).toContain(response.status);
  return new URL(response.headers.get('location')!, server.issuer);
}

async function pushed(clientId: string, params: Record<string, string>) {
  const issuer = new URL(server.issuer);
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }),
  );
  const client = { client_id: clientId };
  const response = await oauth.pushedAuthorizationRequest(
    as,
    client,
    oauth.ClientSecretBasic('secret'),
    params,
    {
      [oauth.allowInsecureRequests]: true,
    },
  );
  return oauth.processPushedAuthorizationResponse(as, client, response);
}

describe('IncludeJwtId', { timeout: 60_000 }, () => {
  it('IncludeJwtId - the default puts a jti in JWT access tokens; false leaves it out', async () => {
    const withJti = await oidc.clientCredentialsGrant(await relyingParty('with-jti'), { scope: 'api1' });
    expect(decodeJwt(withJti.access_token).jti).toEqual(expect.any(String));
    const withoutJti = await oidc.clientCredentialsGrant(await relyingParty('without-jti'), {
      scope: 'api1',
    });
    const payload = decodeJwt(withoutJti.access_token);
    expect(payload).not.toHaveProperty('jti');
    expect(payload.client_id).toBe('without-jti');
  });
});

describe('RequirePushedAuthorization and PushedAuthorizationLifetime', { timeout: 60_000 }, () => {
  it('RequirePushedAuthorization - a front-channel authorization request is refused with invalid_request', async () => {
    const config = await relyingParty('par.required');
    const location = await authorize(oidc.buildAuthorizationUrl(config, await codeParams()));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toBe('Pushed Authorization Request must be used');
  });

  it('PushedAuthorizationLifetime - the pushed request lives the client lifetime (300 s, not 60) and starts the sign-in', async () => {
    const { request_uri, expires_in } = await pushed('par.required', await codeParams());
    expect(expires_in).toBe(300);
    // The stored request and the request object inside it both last 300 seconds, so the authorization endpoint
    // still accepts the request_uri after oidc-provider's own 60 seconds.
    const id = request_uri.split(':').pop()!;
    const stored = (await server.provider.PushedAuthorizationRequest.find(id)) as unknown as {
      exp: number;
      request: string;
    };
    const now = Math.floor(Date.now() / 1000);
    expect(stored.exp - now).toBeGreaterThan(240);
    expect(decodeJwt(stored.request).exp! - now).toBeGreaterThan(240);

    const url = new URL(`${server.issuer}/connect/authorize`);
    url.searchParams.set('client_id', 'par.required');
    url.searchParams.set('request_uri', request_uri);
    const location = await authorize(url);
    expect(location.pathname).toMatch(/^\/interaction\//);
  });

  it('PushedAuthorizationLifetime - a client without it keeps the 60 seconds; PAR stays optional for it', async () => {
    expect((await pushed('par.optional', await codeParams())).expires_in).toBe(60);
    const config = await relyingParty('par.optional');
    const location = await authorize(oidc.buildAuthorizationUrl(config, await codeParams()));
    expect(location.pathname).toMatch(/^\/interaction\//);
  });
});

describe('RequireRequestObject', { timeout: 60_000 }, () => {
  it('RequireRequestObject - plain parameters are refused: invalid_request at the redirect URI', async () => {
    const config = await relyingParty('jar.required');
    const location = await authorize(oidc.buildAuthorizationUrl(config, await codeParams()));
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toBe('Request Object must be used by this client');
  });

  it("RequireRequestObject - a request object signed with the client's JWK secret starts the sign-in", async () => {
    const config = await relyingParty('jar.required');
    const key = { key: (await importJWK(JAR_KEY, 'ES256')) as oidc.CryptoKey, kid: JAR_KEY.kid };
    const url = await oidc.buildAuthorizationUrlWithJAR(config, await codeParams(), key);
    expect(url.searchParams.get('request')).toEqual(expect.any(String));
    const location = await authorize(url);
    expect(location.pathname).toMatch(/^\/interaction\//);
  });

  it('RequireRequestObject - a request object signed with another key is invalid_request_object', async () => {
    const config = await relyingParty('jar.required');
    const other = await generateSigningKey('ES256');
    const key = { key: (await importJWK(other, 'ES256')) as oidc.CryptoKey, kid: JAR_KEY.kid };
    const location = await authorize(
      await oidc.buildAuthorizationUrlWithJAR(config, await codeParams(), key),
    );
    expect(location.searchParams.get('error')).toBe('invalid_request_object');
  });
});

describe('properties idsrv refuses', { timeout: 60_000 }, () => {
  it('a configuration with properties idsrv cannot honour does not load; every one is named with its rule', async () => {
    const error = (await loadServerConfiguration(REFUSED_FIXTURE).then(
      () => undefined,
      (e: unknown) => e,
    )) as ConfigError;
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    const found = error.problems.map((p) => [p.path, p.rule]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['IdentityServer.Clients[0].AllowPlainTextPkce', 'pkce-plain-unsupported'],
        ['IdentityServer.Clients[0].EnableLocalLogin', 'local-login-required'],
        ['IdentityServer.Clients[0].IdentityProviderRestrictions', 'identity-provider-unknown'],
        ['IdentityServer.Clients[0].PairWiseSubjectSalt', 'pairwise-subject-unsupported'],
        ['IdentityServer.Clients[0].AllowedGrantTypes[1]', 'grant-type-unsupported'],
        ['IdentityServer.Clients[0].CibaLifetime', 'ciba-unsupported'],
        ['IdentityServer.Clients[0].RequireRequestObject', 'request-object-key-required'],
      ]),
    );
    expect(error.message).toContain('no external identity providers are configured');
  });

  it('AllowedIdentityTokenSigningAlgorithms - a client allowing only algorithms the keys lack stops the server at startup', async () => {
    const definitions = defineDefinitions({
      clients: [
        defineClient({
          clientId: 'rs256.only',
          clientSecrets: [{ value: sha256('secret') }],
          allowedGrantTypes: ['authorization_code'],
          redirectUris: [REDIRECT_URI],
          allowedScopes: ['openid'],
          allowedIdentityTokenSigningAlgorithms: ['RS256', 'PS256'],
        }),
      ],
      identityResources: [IdentityResources.OpenId()],
    });
    const es256 = await generateSigningKey('ES256');
    await expect(
      startServer({
        definitions,
        configFile: FIXTURE,
        signingKeys: { json: JSON.stringify({ keys: [es256] }), source: 'test keys' },
        port: 0,
        host: '127.0.0.1',
        metrics: false,
      }),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringContaining(
        "client 'rs256.only' allows identity tokens signed with RS256, PS256 only, but the server's signing keys are ES256",
      ),
    });
  });
});
