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
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

// A TV app (public, RequireConsent, refresh tokens, a 1 s polling interval so the test does not wait 5 s per poll), a
// second device client with RFC 8628's letter codes and no consent, and a machine client that may not use the flow.
const configuration = () => ({
  TestUsers: [
    {
      SubjectId: '818727',
      Username: 'alice',
      Password: 'alice',
      Claims: [{ Type: 'name', Value: 'Alice Smith' }],
    },
  ],
  IdentityServer: {
    IdentityResources: [
      { Name: 'openid', DisplayName: 'Your user identifier', Required: true, UserClaims: ['sub'] },
      { Name: 'profile', DisplayName: 'User profile', UserClaims: ['name'] },
    ],
    ApiScopes: [{ Name: 'api1', DisplayName: 'API 1' }],
    ApiResources: [{ Name: 'api1', Scopes: ['api1'] }],
    Clients: [
      {
        ClientId: 'device',
        ClientName: 'Living Room TV',
        RequireClientSecret: false,
        AllowedGrantTypes: [DEVICE_GRANT],
        AllowedScopes: ['openid', 'profile', 'api1'],
        AllowOfflineAccess: true,
        RequireConsent: true,
        DeviceCodeLifetime: 120,
        PollingInterval: 1,
      },
      {
        ClientId: 'device.letters',
        RequireClientSecret: false,
        AllowedGrantTypes: [DEVICE_GRANT],
        AllowedScopes: ['openid', 'api1'],
        UserCodeType: 'Base20',
        PollingInterval: 1,
      },
      {
        ClientId: 'service.client',
        ClientSecrets: [{ Value: SECRET_HASH }],
        AllowedGrantTypes: ['client_credentials'],
        AllowedScopes: ['api1'],
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
  // No relying party takes part in the device flow; startInteractiveServer wants one for its configuration callback.
  rp = await startRelyingParty();
  [server, browser] = await Promise.all([startInteractiveServer(configuration, rp), launchBrowser()]);
  context = browser.context;
  context.setDefaultTimeout(10_000);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rp?.close();
});

beforeEach(async () => {
  // Every test starts signed out, with a fresh tab.
  await context.clearCookies();
  for (const p of context.pages()) await p.close();
  page = await context.newPage();
});

/** The device: a public client that starts the flow and polls, as openid-client does it. */
async function deviceClient(clientId: string) {
  return oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

async function signIn(username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function enterCode(code: string) {
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe('device authorization flow (RFC 8628) in a real browser', { timeout: 60_000 }, () => {
  it('device authorization → user code page → confirm → login → consent → the polling device gets tokens; the pages pass axe', async () => {
    const config = await deviceClient('device');
    const authorization = await oidc.initiateDeviceAuthorization(config, {
      scope: 'openid profile api1 offline_access',
    });
    // IdentityServer's default user code (nine digits), the client's PollingInterval and DeviceCodeLifetime.
    expect(authorization.user_code).toMatch(/^\d{9}$/);
    expect(authorization.interval).toBe(1);
    expect(authorization.expires_in).toBe(120);
    expect(authorization.verification_uri).toBe(`${server.issuer}/device`);
    const polling = oidc.pollDeviceAuthorizationGrant(config, authorization);
    polling.catch(() => {}); // awaited below; keeps an early failure from being unhandled meanwhile

    const entry = await page.goto(authorization.verification_uri);
    expect(entry?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await enterCode(authorization.user_code);

    // The confirmation names the client and shows the code, so a phished user can still stop.
    await page.getByRole('heading', { name: 'Confirm the device' }).waitFor();
    const confirm = await page.locator('main').textContent();
    expect(confirm).toContain('Living Room TV');
    expect(confirm).toContain(authorization.user_code);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Yes, continue' }).click();

    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('to continue to Living Room TV');
    await signIn('alice', 'alice');
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.getByRole('heading', { name: 'Device connected' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('Living Room TV is now signed in');
    expect(await accessibilityViolations(page)).toEqual([]);

    const tokens = await polling;
    const access = decodeJwt(tokens.access_token);
    expect(access.sub).toBe('818727');
    expect(access.client_id).toBe('device');
    expect(String(access.scope).split(' ')).toEqual(
      expect.arrayContaining(['openid', 'profile', 'api1', 'offline_access']),
    );
    expect(access.aud).toBe('api1');
    expect(tokens.claims()?.sub).toBe('818727');
    expect(tokens.refresh_token).toBeTruthy();
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, '818727');
    expect(userinfo.name).toBe('Alice Smith');

    // The user code cannot be entered a second time.
    await page.goto(authorization.verification_uri);
    await enterCode(authorization.user_code);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('already been used');

    // A second redemption of the device code fails, and (as for authorization codes) revokes what the first issued.
    const again = await tokenRequest(server, {
      grant_type: DEVICE_GRANT,
      device_code: authorization.device_code,
      client_id: 'device',
    });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    const refreshed = await tokenRequest(server, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
      client_id: 'device',
    });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it("UserCodeType Base20: RFC 8628's letter code, typed in lower case without the dash; no consent page", async () => {
    const config = await deviceClient('device.letters');
    const authorization = await oidc.initiateDeviceAuthorization(config, { scope: 'openid api1' });
    expect(authorization.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    const polling = oidc.pollDeviceAuthorizationGrant(config, authorization);
    polling.catch(() => {});

    await page.goto(authorization.verification_uri);
    await enterCode(authorization.user_code.replace('-', '').toLowerCase());
    // The confirmation shows the code as the device does, with the dash.
    await page.getByRole('heading', { name: 'Confirm the device' }).waitFor();
    expect(await page.locator('.user-code').textContent()).toBe(authorization.user_code);
    await page.getByRole('button', { name: 'Yes, continue' }).click();
    await signIn('alice', 'alice');
    await page.getByRole('heading', { name: 'Device connected' }).waitFor();

    const tokens = await polling;
    expect(decodeJwt(tokens.access_token).client_id).toBe('device.letters');
  });

  it('verification_uri_complete opens the confirmation directly; Cancel ends the device request with access_denied', async () => {
    const config = await deviceClient('device');
    const authorization = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    const polling = oidc.pollDeviceAuthorizationGrant(config, authorization);
    polling.catch(() => {});

    await page.goto(String(authorization.verification_uri_complete));
    await page.getByRole('heading', { name: 'Confirm the device' }).waitFor();
    expect(await page.locator('.user-code').textContent()).toBe(authorization.user_code);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('The sign-in was cancelled');

    const error = await polling.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(oidc.ResponseBodyError);
    expect((error as oidc.ResponseBodyError).error).toBe('access_denied');
  });

  it('a wrong user code shows the code page again with a message (400, not 500), accessible, and the code kept', async () => {
    await page.goto(`${server.issuer}/device`);
    const answer = page.waitForResponse((r) => r.request().method() === 'POST');
    await enterCode('000000000');
    expect((await answer).status()).toBe(400);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('That code is not valid');
    expect(await page.getByLabel('Code').inputValue()).toBe('000000000');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('the pages work without JavaScript', async () => {
    const noJs = await launchBrowser({ javaScriptEnabled: false });
    try {
      const config = await deviceClient('device.letters');
      const authorization = await oidc.initiateDeviceAuthorization(config, { scope: 'openid api1' });
      const polling = oidc.pollDeviceAuthorizationGrant(config, authorization);
      polling.catch(() => {});
      const tab = await noJs.context.newPage();
      tab.setDefaultTimeout(10_000);
      await tab.goto(authorization.verification_uri);
      await tab.getByLabel('Code').fill(authorization.user_code);
      await tab.getByRole('button', { name: 'Continue' }).click();
      await tab.getByRole('button', { name: 'Yes, continue' }).click();
      await tab.getByLabel('Username').fill('alice');
      await tab.getByLabel('Password').fill('alice');
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('heading', { name: 'Device connected' }).waitFor();
      expect(decodeJwt((await polling).access_token).sub).toBe('818727');
    } finally {
      await noJs.close();
    }
  });

  it('a client that does not list the device grant gets unauthorized_client', async () => {
    const config = await oidc.discovery(
      new URL(server.issuer),
      'service.client',
      undefined,
      oidc.ClientSecretBasic('secret'),
      { execute: [oidc.allowInsecureRequests] },
    );
    const error = await oidc.initiateDeviceAuthorization(config, { scope: 'api1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(oidc.ResponseBodyError);
    expect((error as oidc.ResponseBodyError).error).toBe('unauthorized_client');
    expect((error as oidc.ResponseBodyError).status).toBe(400);
  });
});
