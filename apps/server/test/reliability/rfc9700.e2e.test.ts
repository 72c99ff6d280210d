import { fileURLToPath } from 'node:url';
import { validateClientDefinition } from '@idsrv/model';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/server.ts';
import { startTestServer } from '../helpers.ts';
import { httpSession, pkce } from '../http-session.ts';

// RFC 9700 (OAuth 2.0 Security Best Current Practice), as tests against the real server: each `it` names the rule.
vi.setConfig({ testTimeout: 30_000 });

const CONFIG = fileURLToPath(new URL('../fixtures/rfc9700.appsettings.json', import.meta.url));
const WEB = { id: 'web.app', secret: 'secret', redirect: 'http://localhost:21402/signin-oidc' };
const SPA = { id: 'spa', redirect: 'http://127.0.0.1:21403/callback' };
const ALICE = { username: 'alice', password: 'alice' };

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer(CONFIG);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

function authorizeUrl(params: Record<string, string>): string {
  return `${server.issuer}/connect/authorize?${new URLSearchParams(params)}`;
}

/** A valid authorization request of the confidential client (PKCE, `openid`): the start of its sign-in. */
function webSignInUrl(): string {
  return authorizeUrl({
    client_id: WEB.id,
    response_type: 'code',
    redirect_uri: WEB.redirect,
    scope: 'openid',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });
}

async function token(form: Record<string, string>, client?: { id: string; secret: string }) {
  const response = await fetch(`${server.issuer}/connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(client
        ? { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` }
        : {}),
    },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** Signs alice in for `client` and returns the code with its verifier, the state and nonce sent. */
async function signIn(client: { id: string; redirect: string }, scope = 'openid offline_access api1') {
  const { verifier, challenge } = pkce();
  const state = `st-${Math.random()}`;
  const nonce = `n-${Math.random()}`;
  const session = httpSession();
  const callback = await session.authorize(
    server.issuer,
    authorizeUrl({
      client_id: client.id,
      response_type: 'code',
      redirect_uri: client.redirect,
      scope,
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      prompt: 'consent',
    }),
    ALICE,
  );
  return { callback, code: callback.searchParams.get('code')!, verifier, state, nonce, session };
}

describe('RFC 9700 checklist', () => {
  describe('§4.1 redirect URIs are matched exactly', () => {
    const tricks = [
      ['a trailing slash', `${WEB.redirect}/`],
      ['a longer path', `${WEB.redirect}/evil`],
      ['a prefix only', 'http://localhost:21402/signin'],
      ['a different case in the path', 'http://localhost:21402/SIGNIN-OIDC'],
      ['an added query', `${WEB.redirect}?next=https://evil.example`],
      ['a fragment', `${WEB.redirect}#x`],
      ['user info before the host', 'http://localhost:21402@evil.example/signin-oidc'],
      ['another port', 'http://localhost:21403/signin-oidc'],
      ['https instead of http', 'https://localhost:21402/signin-oidc'],
      ['a percent-encoded path', 'http://localhost:21402/signin%2Doidc'],
      ['another host', 'https://evil.example/signin-oidc'],
    ] as const;

    it.each(tricks)(
      'a redirect_uri with %s is refused on an error page, without redirecting anywhere',
      async (_, uri) => {
        const { challenge } = pkce();
        const response = await httpSession().request(
          authorizeUrl({
            client_id: WEB.id,
            response_type: 'code',
            redirect_uri: uri,
            scope: 'openid',
            code_challenge: challenge,
            code_challenge_method: 'S256',
          }),
        );
        expect(response.location, response.body.slice(0, 200)).toBeUndefined();
        expect(response.status).toBe(400);
        expect(response.body).toMatch(/redirect_uri/i);
      },
    );

    it('an unknown client with a redirect_uri elsewhere gets an error page, never a redirect (no open redirector)', async () => {
      const response = await httpSession().request(
        authorizeUrl({ client_id: 'nobody', response_type: 'code', redirect_uri: 'https://evil.example/' }),
      );
      expect(response.location).toBeUndefined();
      expect(response.status).toBe(400);
    });

    it('the token request must repeat the exact redirect_uri of the authorization request', async () => {
      const { code, verifier } = await signIn(WEB);
      const wrong = await token(
        { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: `${WEB.redirect}/` },
        WEB,
      );
      expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('http redirect URIs are refused in definitions except on loopback hosts', () => {
      const problems = (redirectUris: string[]) =>
        validateClientDefinition({
          clientId: 'c',
          allowedGrantTypes: ['authorization_code'],
          redirectUris,
          requireClientSecret: false,
        }).issues.map((issue) => issue.path.join('.'));
      expect(problems(['http://app.example.com/cb'])).toEqual(['redirectUris.0']);
      expect(problems(['http://localhost:5002/cb', 'http://127.0.0.1/cb', 'http://[::1]:1/cb'])).toEqual([]);
    });
  });

  describe('§2.1.1 PKCE', () => {
    it('an authorization request without code_challenge is refused (RequirePkce defaults to true)', async () => {
      const response = await httpSession().request(
        authorizeUrl({
          client_id: WEB.id,
          response_type: 'code',
          redirect_uri: WEB.redirect,
          scope: 'openid',
        }),
      );
      const back = new URL(response.location!);
      expect(`${back.origin}${back.pathname}`).toBe(WEB.redirect);
      expect(back.searchParams.get('error')).toBe('invalid_request');
    });

    it('the plain method is refused: only S256', async () => {
      const response = await httpSession().request(
        authorizeUrl({
          client_id: WEB.id,
          response_type: 'code',
          redirect_uri: WEB.redirect,
          scope: 'openid',
          code_challenge: 'a'.repeat(43),
          code_challenge_method: 'plain',
        }),
      );
      expect(new URL(response.location!).searchParams.get('error')).toBe('invalid_request');
    });

    it('downgrade - a code issued with a challenge cannot be redeemed without the verifier, or with another one', async () => {
      const { code } = await signIn(WEB);
      expect(
        await token({ grant_type: 'authorization_code', code, redirect_uri: WEB.redirect }, WEB),
      ).toMatchObject({
        status: 400,
      });
      const again = await signIn(WEB);
      const other = pkce().verifier;
      expect(
        await token(
          {
            grant_type: 'authorization_code',
            code: again.code,
            code_verifier: other,
            redirect_uri: WEB.redirect,
          },
          WEB,
        ),
      ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });
  });

  describe('§4.7 / OIDC: state and nonce', () => {
    it('state comes back unchanged on the redirect and nonce in the id_token', async () => {
      const { callback, code, verifier, state, nonce } = await signIn(WEB, 'openid');
      expect(callback.searchParams.get('state')).toBe(state);
      expect(callback.searchParams.get('iss')).toBe(server.issuer);
      const tokens = await token(
        { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: WEB.redirect },
        WEB,
      );
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      expect(decodeJwt(tokens.body.id_token!).nonce).toBe(nonce);
    });
  });

  describe('§4.14.2 refresh tokens of public clients', () => {
    it('a public client’s refresh token rotates on every use (even with RefreshTokenUsage ReUse) and a replay revokes the grant', async () => {
      const { code, verifier } = await signIn(SPA);
      const tokens = await token({
        grant_type: 'authorization_code',
        client_id: SPA.id,
        code,
        code_verifier: verifier,
        redirect_uri: SPA.redirect,
      });
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      const first = tokens.body.refresh_token!;
      const rotated = await token({ grant_type: 'refresh_token', client_id: SPA.id, refresh_token: first });
      expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
      expect(rotated.body.refresh_token).toEqual(expect.any(String));
      expect(rotated.body.refresh_token).not.toBe(first);
      expect(
        await token({ grant_type: 'refresh_token', client_id: SPA.id, refresh_token: first }),
      ).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant' },
      });
      expect(
        await token({
          grant_type: 'refresh_token',
          client_id: SPA.id,
          refresh_token: rotated.body.refresh_token!,
        }),
      ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('a confidential client keeps IdentityServer’s ReUse default', async () => {
      const { code, verifier } = await signIn(WEB);
      const tokens = await token(
        { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: WEB.redirect },
        WEB,
      );
      const used = await token(
        { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! },
        WEB,
      );
      expect(used.status).toBe(200);
      expect(used.body.refresh_token ?? tokens.body.refresh_token).toBe(tokens.body.refresh_token);
    });
  });

  describe('§4.11 no open redirect through end-session', () => {
    it('an unregistered post_logout_redirect_uri is refused on a page, never followed', async () => {
      const response = await httpSession().request(
        `${server.issuer}/connect/endsession?${new URLSearchParams({
          client_id: WEB.id,
          post_logout_redirect_uri: 'https://evil.example/',
        })}`,
      );
      expect(response.location).toBeUndefined();
      expect(response.status).toBe(400);
    });

    it('a registered one is followed only after the user confirms, with state', async () => {
      const { session } = await signIn(WEB, 'openid');
      const page = await session.request(
        `${server.issuer}/connect/endsession?${new URLSearchParams({
          client_id: WEB.id,
          post_logout_redirect_uri: 'http://localhost:21402/signed-out',
          state: 'bye',
        })}`,
      );
      expect(page.status).toBe(200);
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
      const action = /action="([^"]+)"/.exec(page.body)?.[1];
      const confirmed = await session.request(
        new URL(action!.replaceAll('&amp;', '&'), server.issuer).href,
        new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }),
      );
      expect(confirmed.location).toBe('http://localhost:21402/signed-out?state=bye');
    });
  });

  describe('CORS', () => {
    it('the authorization endpoint never answers CORS, even for a client’s allowed origin; the token endpoint does', async () => {
      const authorize = await fetch(webSignInUrl(), {
        redirect: 'manual',
        headers: { origin: 'http://localhost:21402' },
      });
      expect(authorize.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${server.issuer}/connect/token`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:21402', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:21402');
    });
  });

  describe('cookies and page headers', () => {
    it('session and interaction cookies are HttpOnly and SameSite (Secure is covered behind TLS in the TLS tests)', async () => {
      const session = httpSession();
      const start = await session.request(webSignInUrl());
      const setCookies = start.headers.getSetCookie();
      expect(setCookies.length).toBeGreaterThan(0);
      for (const line of setCookies) {
        expect(line).toMatch(/;\s*httponly/i);
        expect(line).toMatch(/;\s*samesite=(lax|strict|none)/i);
      }
    });

    it('the login and error pages carry a CSP that forbids framing, scripts and plugins', async () => {
      const session = httpSession();
      const start = await session.request(webSignInUrl());
      const login = await session.request(start.location!);
      const error = await session.request(authorizeUrl({ client_id: 'nobody' }));
      for (const page of [login, error]) {
        const csp = page.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("default-src 'none'");
        expect(csp).not.toContain('script-src');
        expect(page.headers.get('x-frame-options')).toBe('DENY');
        expect(page.headers.get('cache-control')).toContain('no-store');
      }
    });
  });
});
