import { fileURLToPath } from 'node:url';
import { sha256, sha512 } from '@idsrv/model';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import type { RunningServer } from '../../src/server.ts';
import { startTestServer } from '../helpers.ts';
import { httpSession, pkce } from '../http-session.ts';

// Secrets never leak: every flow of the server runs with logging at its most verbose (trace), and afterwards nothing
// secret — client and API secrets (plain or hashed), the password, codes, tokens, cookies, Basic credentials — appears
// in any log line, anything printed to the console, or any error response.
vi.setConfig({ testTimeout: 60_000 });

const CONFIG = fileURLToPath(new URL('../fixtures/secrets.appsettings.json', import.meta.url));
const CLIENT = { id: 'web.app', secret: 'ClientSecret-8e41c7' };
const API = { name: 'api1', secret: 'ApiSecret-3f9b2a' };
const PASSWORD = 'Pw-alice-7c1d9e';
const REDIRECT = 'http://localhost:21402/signin-oidc';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

let server: RunningServer;
const logLines: string[] = [];
const printed: string[] = [];
/** Bodies and WWW-Authenticate headers of every error response the flows got. */
const errorAnswers: string[] = [];
/** Everything secret the flows handled; filled as they run. */
const secrets = new Set<string>([
  CLIENT.secret,
  sha256(CLIENT.secret),
  sha512(CLIENT.secret),
  API.secret,
  sha256(API.secret),
  PASSWORD,
  basic(CLIENT.id, CLIENT.secret).slice('Basic '.length),
  basic(API.name, API.secret).slice('Basic '.length),
]);

beforeAll(async () => {
  // Whatever the server or its libraries print without the logger counts too.
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '));
    });
  }
  server = await startTestServer(CONFIG, {
    logger: createLogger({
      level: 'trace',
      format: 'json',
      destination: { write: (line) => logLines.push(line) },
    }),
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  vi.restoreAllMocks();
});

async function call(path: string, form: Record<string, string>, authorization?: string) {
  const response = await fetch(`${server.issuer}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  if (response.status >= 400) errorAnswers.push(`${text} ${response.headers.get('www-authenticate') ?? ''}`);
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, string>) : {} };
}

describe('secrets never leak', () => {
  it('every flow, with trace logging on: code flow through the pages, refresh, password grant, introspection, revocation, logout, and their failures', async () => {
    // Authorization code flow through the real login page, with one wrong password first.
    const session = httpSession();
    const { verifier, challenge } = pkce();
    const start = await session.request(
      `${server.issuer}/connect/authorize?${new URLSearchParams({
        client_id: CLIENT.id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'openid api1 offline_access',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'st',
        nonce: 'n',
      })}`,
    );
    const loginPage = await session.request(start.location!);
    const action = new URL(/action="([^"]+)"/.exec(loginPage.body)![1]!, server.issuer).href;
    const wrong = await session.request(
      action,
      new URLSearchParams({ username: 'alice', password: `${PASSWORD}-wrong`, action: 'login' }),
    );
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    errorAnswers.push(wrong.body);
    let step = await session.request(
      action,
      new URLSearchParams({ username: 'alice', password: PASSWORD, action: 'login' }),
    );
    while (step.location?.startsWith(server.issuer)) step = await session.request(step.location);
    const code = new URL(step.location!).searchParams.get('code')!;
    expect(code).toBeTruthy();
    secrets.add(code);
    // The session cookie is a bearer credential; the interaction cookie's value is the interaction uid, which is in
    // every interaction URL by design (the cookie binds the URL to the browser), so it is not a secret.
    for (const [name, value] of session.cookies) if (name.startsWith('_session')) secrets.add(value);
    expect([...session.cookies.keys()].some((name) => name.startsWith('_session'))).toBe(true);

    const tokens = await call(
      '/connect/token',
      { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT },
      basic(CLIENT.id, CLIENT.secret),
    );
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    for (const key of ['access_token', 'refresh_token', 'id_token']) secrets.add(tokens.body[key]!);
    await call('/connect/token', { grant_type: 'client_credentials' }, basic(CLIENT.id, `${CLIENT.secret}x`));

    // Refresh (rotates).
    const refreshed = await call(
      '/connect/token',
      { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token! },
      basic(CLIENT.id, CLIENT.secret),
    );
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    for (const key of ['access_token', 'refresh_token', 'id_token']) secrets.add(refreshed.body[key]!);

    // Password grant, right and wrong.
    const password = await call(
      '/connect/token',
      { grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'api1' },
      basic(CLIENT.id, CLIENT.secret),
    );
    expect(password.status, JSON.stringify(password.body)).toBe(200);
    secrets.add(password.body.access_token!);
    await call(
      '/connect/token',
      { grant_type: 'password', username: 'alice', password: `${PASSWORD}!`, scope: 'api1' },
      basic(CLIENT.id, CLIENT.secret),
    );

    // Introspection by the API resource (right and wrong secret), userinfo, revocation.
    const introspected = await call(
      '/connect/introspect',
      { token: refreshed.body.access_token! },
      basic(API.name, API.secret),
    );
    expect(introspected.body.active).toBe(true);
    await call(
      '/connect/introspect',
      { token: refreshed.body.access_token! },
      basic(API.name, `${API.secret}x`),
    );
    const userinfo = await fetch(`${server.issuer}/connect/userinfo`, {
      headers: { authorization: `Bearer ${refreshed.body.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    const badUserinfo = await fetch(`${server.issuer}/connect/userinfo`, {
      headers: { authorization: `Bearer ${refreshed.body.access_token}x` },
    });
    errorAnswers.push(`${await badUserinfo.text()} ${badUserinfo.headers.get('www-authenticate')}`);
    expect(
      (
        await call(
          '/connect/revocation',
          { token: refreshed.body.refresh_token!, token_type_hint: 'refresh_token' },
          basic(CLIENT.id, CLIENT.secret),
        )
      ).status,
    ).toBe(200);

    // Sign-out with the id_token as hint.
    const logout = await session.request(
      `${server.issuer}/connect/endsession?${new URLSearchParams({ id_token_hint: refreshed.body.id_token! })}`,
    );
    expect(logout.status).toBe(200);
    // Last, as it revokes the grant: the code again (a replay).
    await call(
      '/connect/token',
      { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT },
      basic(CLIENT.id, CLIENT.secret),
    );

    expect(logLines.length).toBeGreaterThan(10);
    const haystacks = [
      ['log line', logLines],
      ['console output', printed],
      ['error response', errorAnswers],
    ] as const;
    const leaks: string[] = [];
    for (const [where, texts] of haystacks) {
      for (const text of texts) {
        for (const secret of secrets) {
          if (secret && text.includes(secret))
            leaks.push(`${where} carries ${secret.slice(0, 12)}…: ${text.slice(0, 200)}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});
