import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { startTestServer } from './helpers.ts';
import { httpSession, pkce } from './http-session.ts';
import { copyConfig, post, REDIRECT_URI, startRedisServer } from './redis-helpers.ts';

// The user claims of API scopes and API resources in access tokens, and UpdateAccessTokenClaimsOnRefresh: alice signs
// in through the login page (a browser without JavaScript), the client redeems the code with its secret.
vi.setConfig({ testTimeout: 60_000 });

const FIXTURE = fileURLToPath(new URL('./fixtures/api-user-claims/appsettings.json', import.meta.url));
const ALICE = { username: 'alice', password: 'alice' };

/** Signs alice in for `clientId` with `scope` at `server` and redeems the code there: the token response. */
async function signIn(server: RunningServer, clientId: string, scope: string) {
  const { verifier, challenge } = pkce();
  const url = new URL('/connect/authorize', server.issuer);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st',
  }).toString();
  const callback = await httpSession().authorize(server.issuer, url.href, ALICE);
  const code = callback.searchParams.get('code');
  expect(code, callback.href).toEqual(expect.any(String));
  const tokens = await post(
    server.issuer,
    '/connect/token',
    { grant_type: 'authorization_code', code: code!, code_verifier: verifier, redirect_uri: REDIRECT_URI },
    [clientId, 'secret'],
  );
  expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  return tokens.body;
}

describe('user claims of API scopes and API resources (memory store)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer(FIXTURE);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it("JWT access token - carries the user's claims named by the requested API scope and its API resource", async () => {
    const tokens = await signIn(server, 'web.jwt', 'openid orders.read offline_access');
    const claims = decodeJwt(String(tokens.access_token));
    expect(claims.sub).toBe('818727');
    expect(claims.aud).toBe('orders');
    expect(claims.email).toBe('alice@example.com');
    // Several claims of one type are an array, as in the id_token.
    expect(claims.role).toEqual(['admin', 'reader']);
    // Claims no API scope or resource names stay out.
    expect(claims).not.toHaveProperty('name');
    expect(claims).not.toHaveProperty('department');
  });

  it('JWT access token - an API scope without UserClaims adds no user claim', async () => {
    const tokens = await signIn(server, 'web.jwt', 'openid weather');
    const claims = decodeJwt(String(tokens.access_token));
    expect(claims.aud).toBe('weather');
    for (const type of ['email', 'role', 'name', 'department']) expect(claims).not.toHaveProperty(type);
  });

  it("reference access token - introspection by the API resource shows the user's claims", async () => {
    const tokens = await signIn(server, 'web.reference', 'openid orders.read');
    expect(String(tokens.access_token).split('.')).toHaveLength(1);
    const introspection = await post(
      server.issuer,
      '/connect/introspect',
      { token: String(tokens.access_token) },
      ['orders', 'api1-secret'],
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body).toMatchObject({
      active: true,
      sub: '818727',
      client_id: 'web.reference',
      email: 'alice@example.com',
      role: ['admin', 'reader'],
    });
    expect(introspection.body).not.toHaveProperty('name');
  });

  it('client_credentials - a token without a user carries no user claims', async () => {
    const issued = await post(
      server.issuer,
      '/connect/token',
      { grant_type: 'client_credentials', scope: 'orders.read' },
      ['service', 'secret'],
    );
    expect(issued.status).toBe(200);
    const claims = decodeJwt(String(issued.body.access_token));
    expect(claims.aud).toBe('orders');
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('role');
  });
});

// The user's claims change between the first issuance and the refresh: a second instance on the same Redis, started
// with an edited TestUsers section, takes the refresh (its user store is the "database after the change").
describe('UpdateAccessTokenClaimsOnRefresh (two instances on one Redis)', () => {
  let redis: RedisProcess;
  let before: RunningServer;
  let after: RunningServer;

  beforeAll(async () => {
    redis = await startRedis();
    const original = await copyConfig(FIXTURE);
    const changed = await copyConfig(FIXTURE);
    const text = await readFile(changed, 'utf8');
    await writeFile(changed, text.replace('alice@example.com', 'alice@new.example.com'));
    const options = { url: redis.url, keyPrefix: 'claims:' };
    before = await startRedisServer(original, options);
    after = await startRedisServer(changed, options, before.issuer);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([before?.close(), after?.close()]);
    await redis?.stop();
  }, 60_000);

  const refreshAt = (server: RunningServer, clientId: string, refreshToken: string) =>
    post(server.url, '/connect/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, [
      clientId,
      'secret',
    ]);

  it('false (the default) - the refreshed access token keeps the claims issued with the code', async () => {
    const tokens = await signIn(before, 'web.jwt', 'openid orders.read offline_access');
    expect(decodeJwt(String(tokens.access_token)).email).toBe('alice@example.com');
    // The instance with the changed user answers, twice (the refresh token is re-used).
    for (let i = 0; i < 2; i++) {
      const refreshed = await refreshAt(after, 'web.jwt', String(tokens.refresh_token));
      expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
      const claims = decodeJwt(String(refreshed.body.access_token));
      expect(claims.email).toBe('alice@example.com');
      expect(claims.role).toEqual(['admin', 'reader']);
    }
  });

  it('true - the refreshed access token has the claims the user has now', async () => {
    const tokens = await signIn(before, 'web.update', 'openid orders.read offline_access');
    expect(decodeJwt(String(tokens.access_token)).email).toBe('alice@example.com');
    const refreshed = await refreshAt(after, 'web.update', String(tokens.refresh_token));
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const claims = decodeJwt(String(refreshed.body.access_token));
    expect(claims.email).toBe('alice@new.example.com');
    expect(claims.role).toEqual(['admin', 'reader']);
    // With true every refresh reads the user store it meets: the first instance still has the old address.
    const again = await refreshAt(before, 'web.update', String(refreshed.body.refresh_token));
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(decodeJwt(String(again.body.access_token)).email).toBe('alice@example.com');
  });
});
