import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '@idsrv/provider';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadServerConfiguration } from '../src/configuration.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { launchBrowser, type RelyingParty, startRelyingParty } from './browser.ts';

// Client properties where a user signs in, in a real browser: RequirePushedAuthorization, RequireRequestObject (with
// offline_access inside the request object), AllowedIdentityTokenSigningAlgorithms, UserSsoLifetime and
// CoordinateLifetimeWithUserSession. The server has two signing keys, ES256 (first: the default) and RS256.

const SECRET_HASH = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols='; // "secret"
/** Seconds of UserSsoLifetime for `sso.short`; the test waits longer than this after signing in. */
const SHORT_SSO = 2;

const webClient = (rp: string, clientId: string, extra: Record<string, unknown> = {}) => ({
  ClientId: clientId,
  AllowedGrantTypes: ['authorization_code'],
  AllowOfflineAccess: true,
  ClientSecrets: [{ Value: SECRET_HASH }],
  RedirectUris: [`${rp}/${clientId}/cb`],
  PostLogoutRedirectUris: [`${rp}/`],
  AllowedScopes: ['openid', 'profile', 'api1'],
  ...extra,
});

const configuration = (rp: string, jarPublicKey: string) => ({
  TestUsers: [
    { SubjectId: '818727', Username: 'alice', Password: 'alice', Claims: [{ Type: 'name', Value: 'Alice' }] },
  ],
  IdentityServer: {
    ApiScopes: [{ Name: 'api1' }],
    ApiResources: [{ Name: 'api1', Scopes: ['api1'] }],
    Clients: [
      webClient(rp, 'plain'),
      webClient(rp, 'par', { RequirePushedAuthorization: true, PushedAuthorizationLifetime: 120 }),
      webClient(rp, 'jar', {
        RequireRequestObject: true,
        ClientSecrets: [{ Value: SECRET_HASH }, { Type: 'JWK', Value: jarPublicKey }],
      }),
      webClient(rp, 'rs256', {
        AllowedIdentityTokenSigningAlgorithms: ['RS256'],
        IdentityTokenLifetime: 120,
        AuthorizationCodeLifetime: 90,
      }),
      webClient(rp, 'sso.short', { UserSsoLifetime: SHORT_SSO }),
      webClient(rp, 'sso.long', { UserSsoLifetime: 3600 }),
      webClient(rp, 'coordinated', { CoordinateLifetimeWithUserSession: true }),
    ],
  },
});

let rp: RelyingParty;
let server: RunningServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let jarPrivateKey: oidc.CryptoKey;

beforeAll(async () => {
  rp = await startRelyingParty();
  const jar = await generateKeyPair('ES256', { extractable: true });
  jarPrivateKey = jar.privateKey;
  const jarPublicKey = JSON.stringify({ ...(await exportJWK(jar.publicKey)), kid: 'jar' });

  const dir = mkdtempSync(join(tmpdir(), 'idsrv-client-properties-'));
  const file = join(dir, 'appsettings.json');
  writeFileSync(file, JSON.stringify(configuration(rp.origin, jarPublicKey), null, 2));
  const loaded = await loadServerConfiguration(file);
  const keys = { keys: [await generateSigningKey('ES256'), await generateSigningKey('RS256')] };
  [server, browser] = await Promise.all([
    startServer({
      definitions: loaded.definitions,
      configFile: file,
      testUsers: loaded.testUsers,
      signingKeys: { json: JSON.stringify(keys), source: 'test keys' },
      port: 0,
      host: '127.0.0.1',
      metrics: false,
    }),
    launchBrowser(),
  ]);
  browser.context.setDefaultTimeout(15_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rp?.close();
});

beforeEach(async () => {
  // Every test starts signed out, with a fresh tab.
  await browser.context.clearCookies();
  for (const p of browser.context.pages()) await p.close();
  page = await browser.context.newPage();
});

const relyingParty = (clientId: string) =>
  oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.ClientSecretBasic('secret'), {
    execute: [oidc.allowInsecureRequests],
  });

async function codeRequest(clientId: string, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const params = {
    redirect_uri: `${rp.origin}/${clientId}/cb`,
    response_type: 'code',
    scope: 'openid profile api1 offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  };
  return { params, verifier, state };
}

const loginPage = () => page.getByRole('heading', { name: 'Sign in' });

async function signIn() {
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('alice');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function landedAt(clientId: string): Promise<URL> {
  await page.waitForURL((url) => url.origin === rp.origin && url.pathname === `/${clientId}/cb`);
  return new URL(page.url());
}

/** Opens `url`; signs in when the login page shows (`expectLogin` says whether it must); redeems the code. */
async function run(
  clientId: string,
  url: URL,
  request: { verifier: string; state: string },
  expectLogin: boolean,
  beforeRedeem?: (callback: URL) => Promise<void>,
) {
  const config = await relyingParty(clientId);
  await page.goto(url.href);
  const first = await Promise.race([
    loginPage()
      .waitFor()
      .then(() => 'login' as const),
    landedAt(clientId).then(() => 'callback' as const),
  ]);
  expect(first).toBe(expectLogin ? 'login' : 'callback');
  if (first === 'login') await signIn();
  const callback = await landedAt(clientId);
  await beforeRedeem?.(callback);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
  });
  return { config, tokens };
}

async function signInWith(
  clientId: string,
  expectLogin = true,
  extra: Record<string, string> = {},
  beforeRedeem?: (callback: URL) => Promise<void>,
) {
  const config = await relyingParty(clientId);
  const request = await codeRequest(clientId, extra);
  return run(
    clientId,
    oidc.buildAuthorizationUrl(config, request.params),
    request,
    expectLogin,
    beforeRedeem,
  );
}

describe('client properties with a user in the browser', { timeout: 90_000 }, () => {
  it('RequirePushedAuthorization - PAR → login page → code → tokens; offline_access in the pushed request gives a refresh token', async () => {
    const config = await relyingParty('par');
    const request = await codeRequest('par');
    const url = await oidc.buildAuthorizationUrlWithPAR(config, request.params);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(url.searchParams.has('scope')).toBe(false);
    const { tokens } = await run('par', url, request, true);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(String(tokens.scope).split(' ')).toContain('offline_access');
  });

  it('RequireRequestObject - a signed request object carrying offline_access → login → a refresh token', async () => {
    const config = await relyingParty('jar');
    const request = await codeRequest('jar');
    const url = await oidc.buildAuthorizationUrlWithJAR(config, request.params, {
      key: jarPrivateKey,
      kid: 'jar',
    });
    // Only the request object carries the scope (so offline_access must be read from it).
    expect(url.searchParams.has('scope')).toBe(false);
    const { tokens } = await run('jar', url, request, true);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(String(tokens.scope).split(' ')).toContain('offline_access');
  });

  it("AllowedIdentityTokenSigningAlgorithms - ['RS256'] gets RS256 id_tokens (other clients the first key's ES256); IdentityTokenLifetime, AuthorizationCodeLifetime", async () => {
    let codeLifetime: number | undefined;
    const rs256 = await signInWith('rs256', true, {}, async (callback) => {
      const code = (await server.provider.AuthorizationCode.find(
        callback.searchParams.get('code')!,
      )) as unknown as {
        iat: number;
        exp: number;
      };
      codeLifetime = code.exp - code.iat;
    });
    expect(decodeProtectedHeader(rs256.tokens.id_token!).alg).toBe('RS256');
    // The same client's IdentityTokenLifetime (120) and AuthorizationCodeLifetime (90).
    const idToken = rs256.tokens.claims()!;
    expect(idToken.exp - idToken.iat).toBe(120);
    expect(codeLifetime).toBe(90);
    // Access tokens are not identity tokens: they stay with the server's signing key.
    expect(decodeProtectedHeader(rs256.tokens.access_token).alg).toBe('ES256');
    const plain = await signInWith('plain', false);
    expect(decodeProtectedHeader(plain.tokens.id_token!).alg).toBe('ES256');
  });

  it('UserSsoLifetime - a session older than the client allows means signing in again; a younger one is single sign-on', async () => {
    // auth_time in the id_tokens tells which sign-in each one rests on (a max_age far above the wait asks for it).
    const withAuthTime = { max_age: '86400' };
    const first = await signInWith('plain', true, withAuthTime);
    const authTime = first.tokens.claims()!.auth_time!;
    expect(authTime).toEqual(expect.any(Number));
    await new Promise((resolve) => setTimeout(resolve, (SHORT_SSO + 1) * 1000));

    // sso.long (3600 s): the same session is fine, no login page.
    const long = await signInWith('sso.long', false, withAuthTime);
    expect(long.tokens.claims()!.auth_time).toBe(authTime);

    // sso.short: prompt=none cannot be answered without a new login…
    const config = await relyingParty('sso.short');
    const silent = await codeRequest('sso.short', { prompt: 'none' });
    await page.goto(oidc.buildAuthorizationUrl(config, silent.params).href);
    expect((await landedAt('sso.short')).searchParams.get('error')).toBe('login_required');
    // …and a normal request shows the login page; the new sign-in is then enough.
    const short = await signInWith('sso.short', true, withAuthTime);
    expect(short.tokens.claims()!.auth_time).toBeGreaterThan(authTime);
  });

  it('CoordinateLifetimeWithUserSession - signing out ends the refresh token (invalid_grant); other clients keep theirs', async () => {
    const plain = await signInWith('plain');
    const coordinated = await signInWith('coordinated', false);
    expect(coordinated.tokens.refresh_token).toEqual(expect.any(String));
    // While the session lasts, the refresh token works.
    const refreshed = await oidc.refreshTokenGrant(coordinated.config, coordinated.tokens.refresh_token!);
    expect(decodeJwt(refreshed.access_token).sub).toBe('818727');

    const logout = oidc.buildEndSessionUrl(coordinated.config, {
      id_token_hint: coordinated.tokens.id_token!,
      post_logout_redirect_uri: `${rp.origin}/`,
    });
    await page.goto(logout.href);
    await page.waitForURL((url) => url.origin === rp.origin && url.pathname === '/');

    const error = await oidc.refreshTokenGrant(coordinated.config, coordinated.tokens.refresh_token!).then(
      () => undefined,
      (e: unknown) => e as oidc.ResponseBodyError,
    );
    expect(error).toBeInstanceOf(oidc.ResponseBodyError);
    expect(error?.error).toBe('invalid_grant');
    expect(error?.status).toBe(400);
    // A client without it keeps its offline access after the sign-out, as before.
    expect((await oidc.refreshTokenGrant(plain.config, plain.tokens.refresh_token!)).access_token).toEqual(
      expect.any(String),
    );
  });
});
