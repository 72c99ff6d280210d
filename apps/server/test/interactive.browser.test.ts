import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@idsrv/users';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  accessibilityViolations,
  launchBrowser,
  type RelyingParty,
  startInteractiveServer,
  startRelyingParty,
} from './browser.ts';
import { tokenRequest } from './helpers.ts';

const SECRET_HASH = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols='; // "secret"

let bobHash: string;

// The reference's `interactive` client (code flow, AllowOfflineAccess, post-logout and front-channel logout URIs)
// pointed at the test relying party, plus a back-channel URI; RequireConsent so the consent page shows, and
// OneTimeOnly refresh tokens to exercise rotation. `interactive.reuse` keeps IdentityServer's defaults otherwise.
const configuration = (rp: string) => ({
  TestUsers: [
    {
      SubjectId: '818727',
      Username: 'alice',
      Password: 'alice',
      Claims: [
        { Type: 'name', Value: 'Alice Smith' },
        { Type: 'given_name', Value: 'Alice' },
        { Type: 'email', Value: 'AliceSmith@example.com' },
        { Type: 'email_verified', Value: 'true' },
      ],
    },
    {
      SubjectId: '88421113',
      Username: 'bob',
      PasswordHash: bobHash,
      Claims: [{ Type: 'name', Value: 'Bob Smith' }],
    },
  ],
  IdentityServer: {
    IdentityResources: [
      { Name: 'openid', DisplayName: 'Your user identifier', Required: true, UserClaims: ['sub'] },
      { Name: 'profile', DisplayName: 'User profile', Emphasize: true, UserClaims: ['name', 'given_name'] },
      { Name: 'email', DisplayName: 'Your email address', UserClaims: ['email', 'email_verified'] },
    ],
    ApiScopes: [
      { Name: 'api1', DisplayName: 'API 1' },
      { Name: 'api2.read_only', DisplayName: 'API 2 (read only)' },
    ],
    ApiResources: [
      { Name: 'api1', Scopes: ['api1'] },
      { Name: 'api2', Scopes: ['api2.read_only'] },
    ],
    Clients: [
      {
        ClientId: 'interactive',
        ClientName: 'Interactive Web App',
        AllowedGrantTypes: ['authorization_code'],
        AllowOfflineAccess: true,
        RequireConsent: true,
        RefreshTokenUsage: 'OneTimeOnly',
        ClientSecrets: [{ Value: SECRET_HASH }],
        RedirectUris: [`${rp}/signin-oidc`],
        PostLogoutRedirectUris: [`${rp}/`],
        FrontChannelLogoutUri: `${rp}/signout-oidc`,
        BackChannelLogoutUri: `${rp}/backchannel-logout`,
        AllowedScopes: ['openid', 'profile', 'email', 'api1', 'api2.read_only'],
      },
      {
        ClientId: 'interactive.reuse',
        AllowedGrantTypes: ['authorization_code'],
        AllowOfflineAccess: true,
        RefreshTokenExpiration: 'Sliding',
        SlidingRefreshTokenLifetime: 600,
        AbsoluteRefreshTokenLifetime: 3600,
        ClientSecrets: [{ Value: SECRET_HASH }],
        RedirectUris: [`${rp}/reuse/signin-oidc`],
        AllowedScopes: ['openid', 'profile', 'email', 'api1'],
      },
      {
        ClientId: 'interactive.claims',
        AllowedGrantTypes: ['authorization_code'],
        AlwaysIncludeUserClaimsInIdToken: true,
        AccessTokenType: 'Reference',
        ClientSecrets: [{ Value: SECRET_HASH }],
        RedirectUris: [`${rp}/claims/signin-oidc`],
        AllowedScopes: ['openid', 'profile', 'email', 'api1'],
      },
    ],
  },
});

let rp: RelyingParty;
let server: RunningServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  bobHash = await hashPassword('bob', { ln: 12 });
  rp = await startRelyingParty();
  [server, browser] = await Promise.all([startInteractiveServer(configuration, rp), launchBrowser()]);
  context = browser.context;
  // Fail fast: every page here answers in milliseconds.
  context.setDefaultTimeout(5000);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rp?.close();
});

beforeEach(async () => {
  // Every test starts signed out, with a fresh tab.
  await context.clearCookies();
  rp.requests.length = 0;
  for (const p of context.pages()) await p.close();
  page = await context.newPage();
});

async function relyingParty(clientId: string) {
  return oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.ClientSecretBasic('secret'), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** An authorization request with PKCE, as a relying party makes it. */
async function authorizationRequest(
  config: oidc.Configuration,
  params: Record<string, string> = {},
  redirectPath = '/signin-oidc',
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${rp.origin}${redirectPath}`,
    scope: 'openid profile email api1 offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  return { url, verifier, state };
}

async function signIn(username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the browser is back at the relying party and returns the URL it landed on. */
async function landedAt(path: string): Promise<URL> {
  await page.waitForURL((url) => url.origin === rp.origin && url.pathname === path);
  return new URL(page.url());
}

/** Runs the whole sign-in in the browser and redeems the code with openid-client. */
async function signInAndRedeem(clientId = 'interactive', redirectPath = '/signin-oidc') {
  const config = await relyingParty(clientId);
  const request = await authorizationRequest(config, {}, redirectPath);
  await page.goto(request.url.href);
  await signIn('alice', 'alice');
  if (clientId === 'interactive') await page.getByRole('button', { name: 'Allow' }).click();
  const callback = await landedAt(redirectPath);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
  });
  return { config, tokens, callback };
}

describe('interactive sign-in in a real browser', { timeout: 30_000 }, () => {
  it('authorize with PKCE → login → consent → code → tokens → userinfo, and the pages pass axe', async () => {
    const config = await relyingParty('interactive');
    const request = await authorizationRequest(config);
    await page.goto(request.url.href);

    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('input[name=username]').count()).toBe(1);
    expect(await page.locator('input[name=password]').count()).toBe(1);
    await page.screenshot({ path: join(tmpdir(), 'idsrv-login.png'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    await signIn('alice', 'alice');

    // The consent page names the client and lists the scopes by display name.
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    const consent = await page.locator('main').textContent();
    expect(consent).toContain('Interactive Web App is requesting your permission');
    for (const name of [
      'Your user identifier',
      'User profile',
      'Your email address',
      'API 1',
      'Offline Access',
    ]) {
      expect(consent).toContain(name);
    }
    expect(await page.getByRole('button', { name: 'Deny' }).count()).toBe(1);
    expect(await page.getByLabel('Remember my decision').count()).toBe(1);
    await page.screenshot({ path: join(tmpdir(), 'idsrv-consent.png'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Allow' }).click();

    const callback = await landedAt('/signin-oidc');
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    const idToken = tokens.claims()!;
    expect(idToken.sub).toBe('818727');
    expect(idToken.aud).toBe('interactive');
    // AlwaysIncludeUserClaimsInIdToken is off: profile claims are for userinfo.
    expect(idToken.name).toBeUndefined();
    expect(tokens.refresh_token).toEqual(expect.any(String));

    // One access token for the APIs that also carries the identity scopes, as IdentityServer's does…
    const at = decodeJwt(tokens.access_token);
    expect(String(at.scope).split(' ').sort()).toEqual([
      'api1',
      'email',
      'offline_access',
      'openid',
      'profile',
    ]);
    expect(at.aud).toBe('api1');
    expect(at.sub).toBe('818727');
    // …and userinfo accepts it.
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, '818727');
    expect(userinfo).toEqual({
      sub: '818727',
      name: 'Alice Smith',
      given_name: 'Alice',
      email: 'AliceSmith@example.com',
      email_verified: true,
    });
  });
});

describe('pages without a mouse or JavaScript', { timeout: 30_000 }, () => {
  it('keyboard - Tab goes username → password → Sign in → Cancel, and Enter signs in', async () => {
    const config = await relyingParty('interactive');
    await page.goto((await authorizationRequest(config)).url.href);
    const focused = async () =>
      page.evaluate(() => {
        // Runs in the page; the test's TypeScript has no DOM types.
        type Focused = {
          tagName: string;
          textContent: string | null;
          getAttribute(name: string): string | null;
        };
        const el = (globalThis as unknown as { document: { activeElement: Focused | null } }).document
          .activeElement;
        return el?.tagName === 'BUTTON' ? el.textContent?.trim() : el?.getAttribute('name');
      });
    const order: (string | null | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).toEqual(['username', 'password', 'Sign in', 'Cancel']);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('button', { name: 'Allow' }).waitFor();
  });

  it('no JavaScript - login, consent and the code reach the client', async () => {
    const noScript = await launchBrowser({ javaScriptEnabled: false });
    try {
      const tab = await noScript.context.newPage();
      tab.setDefaultTimeout(5000);
      const config = await relyingParty('interactive');
      const request = await authorizationRequest(config);
      await tab.goto(request.url.href);
      await tab.getByLabel('Username').fill('alice');
      await tab.getByLabel('Password').fill('alice');
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('button', { name: 'Allow' }).click();
      await tab.waitForURL((url) => url.origin === rp.origin && url.pathname === '/signin-oidc');
      expect(new URL(tab.url()).searchParams.get('code')).toBeTruthy();
    } finally {
      await noScript.close();
    }
  });
});

describe('refresh tokens', { timeout: 30_000 }, () => {
  it('OneTimeOnly - each refresh rotates the token; replaying a rotated one revokes the grant', async () => {
    const { config, tokens } = await signInAndRedeem('interactive');
    const first = tokens.refresh_token!;

    const refreshed = await oidc.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first);
    expect(String(decodeJwt(refreshed.access_token).scope).split(' ')).toContain('api1');
    // userinfo keeps working with the new access token.
    expect((await oidc.fetchUserInfo(config, refreshed.access_token, '818727')).name).toBe('Alice Smith');

    // Reuse of the rotated token: invalid_grant, and the whole grant goes — the newest token too.
    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('ReUse + Sliding - the same handle keeps working, and a client without RequireConsent sees no consent page', async () => {
    const { config, tokens } = await signInAndRedeem('interactive.reuse', '/reuse/signin-oidc');
    const handle = tokens.refresh_token!;
    const once = await oidc.refreshTokenGrant(config, handle);
    const twice = await oidc.refreshTokenGrant(config, handle);
    expect(once.refresh_token).toBe(handle);
    expect(twice.refresh_token).toBe(handle);
    expect(decodeJwt(twice.access_token).sub).toBe('818727');

    // Sliding: a use renews the lifetime (600 s from now). Shorten the stored token to 5 s, use it, read it back.
    const stored = (await server.provider.RefreshToken.find(handle))!;
    stored.exp = Math.floor(Date.now() / 1000) + 5;
    await stored.save();
    await oidc.refreshTokenGrant(config, handle);
    const renewed = (await server.provider.RefreshToken.find(handle))!;
    expect(renewed.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(590);
  });

  it('offline_access without prompt=consent still gives a refresh token (IdentityServer, not bare oidc-provider)', async () => {
    const { tokens } = await signInAndRedeem('interactive.reuse', '/reuse/signin-oidc');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(String(tokens.scope).split(' ')).toContain('offline_access');
  });
});

describe('claims', { timeout: 30_000 }, () => {
  it('AlwaysIncludeUserClaimsInIdToken puts the profile claims in the id_token; a reference API token works at userinfo', async () => {
    const config = await relyingParty('interactive.claims');
    const request = await authorizationRequest(
      config,
      { scope: 'openid profile api1' },
      '/claims/signin-oidc',
    );
    await page.goto(request.url.href);
    await signIn('alice', 'alice');
    const tokens = await oidc.authorizationCodeGrant(config, await landedAt('/claims/signin-oidc'), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    expect(tokens.claims()).toMatchObject({ sub: '818727', name: 'Alice Smith', given_name: 'Alice' });
    // email was not requested: not in the token.
    expect(tokens.claims()!.email).toBeUndefined();
    // A reference (opaque) access token for api1, accepted at userinfo like IdentityServer's.
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(await oidc.fetchUserInfo(config, tokens.access_token, '818727')).toEqual({
      sub: '818727',
      name: 'Alice Smith',
      given_name: 'Alice',
    });
  });
});

describe('single sign-on, consent memory and prompts', { timeout: 30_000 }, () => {
  it('prompt=none without a session answers login_required at the redirect URI', async () => {
    const config = await relyingParty('interactive');
    const request = await authorizationRequest(config, { prompt: 'none' });
    await page.goto(request.url.href);
    const callback = await landedAt('/signin-oidc');
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('a second request in the same session skips the login page; RequireConsent asks again unless remembered', async () => {
    // bob: a remembered consent outlives the session, and the other tests expect alice to see the consent page.
    const config = await relyingParty('interactive');
    const first = await authorizationRequest(config, { login_hint: 'bob' });
    await page.goto(first.url.href);
    // login_hint fills the username in.
    expect(await page.getByLabel('Username').inputValue()).toBe('bob');
    await page.getByLabel('Password').fill('bob');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await landedAt('/signin-oidc');

    // Not remembered: signed in already, but asked again.
    await page.goto((await authorizationRequest(config)).url.href);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await page.getByLabel('Remember my decision').check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await landedAt('/signin-oidc');

    // Remembered: straight back with a code, even with prompt=none.
    const third = await authorizationRequest(config, { prompt: 'none' });
    await page.goto(third.url.href);
    const callback = await landedAt('/signin-oidc');
    expect(callback.searchParams.get('code')).toBeTruthy();

    // prompt=login and max_age=0 ask for the password again despite the session.
    await page.goto((await authorizationRequest(config, { prompt: 'login' })).url.href);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto((await authorizationRequest(config, { max_age: '0' })).url.href);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('Cancel on the login page returns access_denied to the client', async () => {
    const config = await relyingParty('interactive');
    await page.goto((await authorizationRequest(config)).url.href);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await landedAt('/signin-oidc')).searchParams.get('error')).toBe('access_denied');
  });

  it('Deny on the consent page returns access_denied to the client', async () => {
    const config = await relyingParty('interactive');
    const request = await authorizationRequest(config);
    await page.goto(request.url.href);
    await signIn('alice', 'alice');
    await page.getByRole('button', { name: 'Deny' }).click();
    const callback = await landedAt('/signin-oidc');
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });

  it('unticking a scope on the consent page leaves it out of the tokens', async () => {
    const config = await relyingParty('interactive');
    const request = await authorizationRequest(config, { prompt: 'consent' });
    await page.goto(request.url.href);
    await signIn('bob', 'bob'); // bob's password is a scrypt hash
    await page.getByLabel('API 1').uncheck();
    await page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await oidc.authorizationCodeGrant(config, await landedAt('/signin-oidc'), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    expect(tokens.claims()!.sub).toBe('88421113');
    expect(String(tokens.scope).split(' ')).not.toContain('api1');
  });
});

describe('logout', { timeout: 30_000 }, () => {
  it('endsession with id_token_hint signs out, notifies front- and back-channel, and returns to the post-logout URI', async () => {
    const { config, tokens } = await signInAndRedeem('interactive');
    const idToken = tokens.claims()!;
    expect(idToken.sid).toEqual(expect.any(String));

    const state = oidc.randomState();
    const logout = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${rp.origin}/`,
      state,
    });
    await page.goto(logout.href);
    const back = await landedAt('/');
    expect(back.searchParams.get('state')).toBe(state);

    // Front-channel: the logout page loaded the client's FrontChannelLogoutUri with iss and sid.
    const front = await rp.waitFor('/signout-oidc');
    expect(front.url.searchParams.get('iss')).toBe(server.issuer);
    expect(front.url.searchParams.get('sid')).toBe(idToken.sid);
    // Back-channel: a logout token for the same user and session.
    const backChannel = await rp.waitFor('/backchannel-logout');
    const logoutToken = decodeJwt(new URLSearchParams(backChannel.body).get('logout_token')!);
    expect(logoutToken).toMatchObject({
      iss: server.issuer,
      aud: 'interactive',
      sub: '818727',
      sid: idToken.sid,
    });
    expect(logoutToken.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);

    // The session is gone: prompt=none now needs a login. offline_access outlives the session, as in IdentityServer
    // (without CoordinateLifetimeWithUserSession): that is what offline access is for.
    const again = await authorizationRequest(config, { prompt: 'none' });
    await page.goto(again.url.href);
    expect((await landedAt('/signin-oidc')).searchParams.get('error')).toBe('login_required');
    expect((await oidc.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toEqual(
      expect.any(String),
    );
  });

  it('endsession without id_token_hint asks first; the pages pass axe', async () => {
    await signInAndRedeem('interactive');
    await page.goto(`${server.issuer}/connect/endsession`);
    await page.getByRole('button', { name: 'Yes, sign out' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Yes, sign out' }).click();
    await page.getByRole('heading', { name: 'You are now signed out' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await rp.waitFor('/signout-oidc');
  });

  it('a post_logout_redirect_uri that is not registered is refused', async () => {
    const { config, tokens } = await signInAndRedeem('interactive');
    const logout = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${rp.origin}/elsewhere`,
    });
    const response = await page.goto(logout.href);
    expect(response?.status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('post_logout_redirect_uri not registered');
  });
});

describe('errors', { timeout: 30_000 }, () => {
  it('a wrong password shows an error on the login page (401, never a 500) and signs nobody in', async () => {
    const config = await relyingParty('interactive');
    await page.goto((await authorizationRequest(config)).url.href);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      signIn('alice', 'wrong'),
    ]);
    expect(response.status()).toBe(401);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Invalid username or password.');
    // The username stays, the password does not.
    expect(await page.getByLabel('Username').inputValue()).toBe('alice');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await accessibilityViolations(page)).toEqual([]);
    await signIn('alice', 'alice');
    await page.getByRole('button', { name: 'Allow' }).waitFor();
  });

  it('after five failures for one username the sixth attempt gets 429 without a password check', async () => {
    const throttled = 'mallory';
    const config = await relyingParty('interactive');
    await page.goto((await authorizationRequest(config)).url.href);
    // Five failures posted straight to the form's action (with the browser's cookies), then one through the page.
    const action = new URL((await page.locator('form').getAttribute('action'))!, page.url()).href;
    for (let i = 0; i < 5; i++) {
      const attempt = await page.request.post(action, {
        form: { username: throttled, password: `guess-${i}`, action: 'login' },
      });
      expect(attempt.status()).toBe(401);
    }
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      signIn(throttled, 'anything'),
    ]);
    expect(response.status()).toBe(429);
    expect(response.headers()['retry-after']).toMatch(/^\d+$/);
    expect(await page.getByRole('alert').textContent()).toMatch(/^Too many failed sign-in attempts/);
  });

  it('a tampered redirect URI is an error page at the server, and nothing reaches the relying party', async () => {
    const config = await relyingParty('interactive');
    for (const tampered of [
      `${rp.origin}/evil`,
      `${rp.origin}/signin-oidc/extra`,
      `${rp.origin}/signin-oidc?x=1`,
    ]) {
      const request = await authorizationRequest(config, { redirect_uri: tampered });
      const response = await page.goto(request.url.href);
      expect(response?.status()).toBe(400);
      expect(await page.locator('main').textContent()).toContain('invalid_redirect_uri');
    }
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(rp.requests).toEqual([]);
  });

  it('a missing PKCE verifier at the token endpoint is invalid_grant', async () => {
    const config = await relyingParty('interactive');
    const request = await authorizationRequest(config);
    await page.goto(request.url.href);
    await signIn('alice', 'alice');
    await page.getByRole('button', { name: 'Allow' }).click();
    const code = (await landedAt('/signin-oidc')).searchParams.get('code')!;
    const res = await tokenRequest(
      server,
      { grant_type: 'authorization_code', code, redirect_uri: `${rp.origin}/signin-oidc` },
      { basic: ['interactive', 'secret'] },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('an authorization request without code_challenge is refused (RequirePkce)', async () => {
    const config = await relyingParty('interactive');
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${rp.origin}/signin-oidc`,
      scope: 'openid',
    });
    await page.goto(url.href);
    const callback = await landedAt('/signin-oidc');
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('a replayed code is invalid_grant and revokes what the first redemption issued', async () => {
    const config = await relyingParty('interactive');
    const request = await authorizationRequest(config);
    await page.goto(request.url.href);
    await signIn('alice', 'alice');
    await page.getByRole('button', { name: 'Allow' }).click();
    const callback = await landedAt('/signin-oidc');
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    const replay = await tokenRequest(
      server,
      {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: `${rp.origin}/signin-oidc`,
        code_verifier: request.verifier,
      },
      { basic: ['interactive', 'secret'] },
    );
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});
