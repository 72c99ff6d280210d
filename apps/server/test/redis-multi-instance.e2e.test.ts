import { createHash, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { httpSession } from './http-session.ts';
import {
  ALICE,
  clientCredentials,
  copyConfig,
  mintAuthorizationCode,
  REDIRECT_URI,
  redeem,
  refresh,
  runCli,
  type ServerProcess,
  spawnServer,
  startRedisServer,
} from './redis-helpers.ts';

// Real redis-server processes and servers: slower than the package's defaults allow on a loaded CI machine.
vi.setConfig({ testTimeout: 30_000 });

// Two instances of the server on one Redis are one server: what one issues, the other honours.
// One issuer for every in-process instance, as behind a load balancer (a loopback one: cookies are not `secure`).
const ISSUER = 'http://localhost:5999';
let redis: RedisProcess;
let file: string;

beforeAll(async () => {
  redis = await startRedis({ persistence: true });
  file = await copyConfig();
}, 60_000);
afterAll(async () => {
  await redis?.stop();
}, 60_000);

async function userinfo(base: string, accessToken: string) {
  const response = await fetch(`${base}/connect/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * A browser's session for the login pages: it keeps cookies across requests to either instance and does not follow
 * redirects (they name the shared issuer; the test chooses which instance follows them).
 */
function newBrowser() {
  const { request } = httpSession();
  return async (base: string, path: string, form?: URLSearchParams) => {
    const response = await request(`${base}${path}`, form);
    // Redirects name the shared issuer; the test chooses which instance follows them.
    const next = response.location ? new URL(response.location) : undefined;
    return {
      status: response.status,
      next: next && `${next.pathname}${next.search}`,
      body: response.body,
    };
  };
}

describe('two Provider instances on one Redis (in-process servers)', () => {
  const prefix = 'inproc:';
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    // One issuer for both, as behind a load balancer.
    a = await startRedisServer(file, { url: redis.url, keyPrefix: prefix }, ISSUER);
    b = await startRedisServer(file, { url: redis.url, keyPrefix: prefix }, ISSUER);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  }, 60_000);

  it('code flow through the login and consent pages - every step on the other instance than the one before', async () => {
    const browse = newBrowser();
    const verifier = randomUUID() + randomUUID();
    const authorize = new URLSearchParams({
      client_id: 'web.client',
      response_type: 'code',
      scope: 'openid profile offline_access',
      redirect_uri: REDIRECT_URI,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'st-1',
    });

    // A starts the flow, B shows the login page, A takes the password, B resumes with the session A created, A shows
    // the consent page, B takes the decision, A issues the code, B redeems it, and A's userinfo honours B's token.
    const start = await browse(a.url, `/connect/authorize?${authorize}`);
    expect(start.status, start.body).toBe(303);
    const loginPage = await browse(b.url, start.next!);
    expect(loginPage.body).toContain('name="password"');
    const loggedIn = await browse(
      a.url,
      `${start.next}/login`,
      new URLSearchParams({ username: 'alice', password: 'alice', action: 'login' }),
    );
    expect(loggedIn.status, loggedIn.body).toBe(303);
    const resumed = await browse(b.url, loggedIn.next!);
    expect(resumed.status, resumed.body).toBe(303);
    const consentPage = await browse(a.url, resumed.next!);
    expect(consentPage.body).toContain('name="decision"');
    const consented = await browse(
      b.url,
      `${resumed.next}/consent`,
      new URLSearchParams([
        ['scope', 'openid'],
        ['scope', 'profile'],
        ['scope', 'offline_access'],
        ['decision', 'allow'],
      ]),
    );
    expect(consented.status, consented.body).toBe(303);
    const done = await browse(a.url, consented.next!);
    expect(done.status, done.body).toBe(303);
    const callback = new URL(done.next!, REDIRECT_URI);
    expect(callback.searchParams.get('state')).toBe('st-1');
    const code = callback.searchParams.get('code');
    expect(code, done.next).toEqual(expect.any(String));

    const tokens = await redeem(b.url, { code: code!, verifier });
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body.refresh_token).toEqual(expect.any(String));
    expect((await userinfo(a.url, tokens.body.access_token as string)).body).toMatchObject({ sub: ALICE });
  });

  it('code flow - a code created on A is redeemed at B; B’s access token works at A’s userinfo; the refresh token rotates across instances', async () => {
    const minted = await mintAuthorizationCode(a.provider);
    const tokens = await redeem(b.url, minted);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      id_token: expect.any(String),
    });
    // The id_token B signed verifies with A's published keys: the signing keys are shared through Redis.
    const { payload } = await jwtVerify(
      tokens.body.id_token as string,
      createRemoteJWKSet(new URL(`${a.url}/.well-known/openid-configuration/jwks`)),
      { issuer: ISSUER, audience: 'web.client' },
    );
    expect(payload.sub).toBe(ALICE);

    expect((await userinfo(a.url, tokens.body.access_token as string)).body).toMatchObject({ sub: ALICE });

    const rotated = await refresh(a.url, tokens.body.refresh_token as string);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(tokens.body.refresh_token);
    const again = await refresh(b.url, rotated.body.refresh_token as string);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });

  it('code flow - a code redeemed at A cannot be redeemed again at B', async () => {
    const minted = await mintAuthorizationCode(a.provider);
    expect((await redeem(a.url, minted)).status).toBe(200);
    const replay = await redeem(b.url, minted);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('code flow - of one code redeemed at A and B at the same moment exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const minted = await mintAuthorizationCode(a.provider);
      const results = await Promise.all([
        redeem(a.url, minted),
        redeem(b.url, minted),
        redeem(a.url, minted),
      ]);
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.body.error).toBe('invalid_grant');
    }
  });

  it('refresh token - reuse of a rotated refresh token at the other instance is detected and revokes the grant', async () => {
    const tokens = await redeem(b.url, await mintAuthorizationCode(a.provider));
    const first = tokens.body.refresh_token as string;
    const rotated = await refresh(a.url, first);
    expect(rotated.status).toBe(200);
    expect(await refresh(b.url, first)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The whole grant is gone, for both instances.
    expect(await refresh(a.url, rotated.body.refresh_token as string)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });

  it('sessions - a Session saved by A is found by uid at B, and destroyed for both', async () => {
    interface SessionModel {
      new (init: object): { save(ttl: number): Promise<void> };
      findByUid(uid: string): Promise<{ accountId?: string; destroy(): Promise<void> } | undefined>;
    }
    const sessions = (server: RunningServer) =>
      (server.provider as unknown as { Session: SessionModel }).Session;
    await new (sessions(a))({ jti: 'session-a-1', uid: 'uid-a-1', accountId: ALICE }).save(600);
    const found = await sessions(b).findByUid('uid-a-1');
    expect(found?.accountId).toBe(ALICE);
    await found!.destroy();
    expect(await sessions(a).findByUid('uid-a-1')).toBeUndefined();
  });

  it('DPoP - a nonce issued by A is accepted by B (the nonce secret is shared through Redis)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const proof = (base: string, nonce: string) =>
      new SignJWT({ htm: 'POST', htu: `${base}/connect/token`, jti: randomUUID(), nonce })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .sign(privateKey);
    const request = async (base: string, dpop: string) => {
      const response = await fetch(`${base}/connect/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('service.client:secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          dpop,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api1' }),
      });
      return {
        status: response.status,
        nonce: response.headers.get('dpop-nonce'),
        body: (await response.json()) as Record<string, unknown>,
      };
    };
    const challenged = await request(a.url, await proof(a.url, 'not-a-nonce-of-ours'));
    expect(challenged, JSON.stringify(challenged.body)).toMatchObject({
      status: 400,
      body: { error: 'use_dpop_nonce' },
    });
    expect(challenged.nonce).toEqual(expect.any(String));
    const accepted = await request(b.url, await proof(b.url, challenged.nonce!));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.token_type).toBe('DPoP');
  });

  it('login page - failed sign-ins are counted in Redis: five wrong passwords split across both instances make the sixth wait at either', async () => {
    const browse = newBrowser();
    const authorize = new URLSearchParams({
      client_id: 'web.client',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      code_challenge: createHash('sha256').update(randomUUID()).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const start = await browse(a.url, `/connect/authorize?${authorize}`);
    expect(start.status, start.body).toBe(303);
    // An unknown username counts like a known one (the answer must not tell them apart), and blocks no one else.
    const signIn = (base: string) =>
      browse(
        base,
        `${start.next}/login`,
        new URLSearchParams({ username: 'mallory', password: 'guess', action: 'login' }),
      );
    // Three at A, two at B: each instance alone stays under the limit of five.
    for (const base of [a.url, b.url, a.url, b.url, a.url]) expect((await signIn(base)).status).toBe(401);
    for (const base of [a.url, b.url]) {
      const throttled = await signIn(base);
      expect(throttled.status, throttled.body).toBe(429);
      expect(throttled.body).toContain('Too many failed sign-in attempts');
    }
  });

  it('restart - an instance closed and started again honours every grant issued before', async () => {
    const tokens = await redeem(
      a.url,
      await mintAuthorizationCode(a.provider, 'reuse.client'),
      'reuse.client',
    );
    expect(tokens.status).toBe(200);
    const jwksBefore = await (await fetch(`${a.url}/.well-known/openid-configuration/jwks`)).json();
    await a.close();
    a = await startRedisServer(file, { url: redis.url, keyPrefix: prefix }, ISSUER);
    expect(await (await fetch(`${a.url}/.well-known/openid-configuration/jwks`)).json()).toEqual(jwksBefore);
    const refreshed = await refresh(a.url, tokens.body.refresh_token as string, 'reuse.client');
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect((await userinfo(a.url, refreshed.body.access_token as string)).body).toMatchObject({ sub: ALICE });
    expect((await userinfo(b.url, tokens.body.access_token as string)).status).toBe(200);
  });
});

describe('two `idsrv serve --redis` processes', () => {
  const prefix = 'procs:';
  let a: ServerProcess;
  let b: ServerProcess;
  const args = () => ['--config', file, '--redis', redis.url, '--redis-prefix', prefix];

  beforeAll(async () => {
    [a, b] = await Promise.all([spawnServer(args()), spawnServer(args())]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  }, 60_000);

  const jwks = async (base: string) => (await fetch(`${base}/.well-known/openid-configuration/jwks`)).json();

  it('keys - both processes publish the same signing keys, and a token from one verifies with the other’s', async () => {
    expect(await jwks(a.url)).toEqual(await jwks(b.url));
    const token = await clientCredentials(a.url);
    expect(token.status).toBe(200);
    const { payload } = await jwtVerify(
      token.body.access_token as string,
      createRemoteJWKSet(new URL(`${b.url}/.well-known/openid-configuration/jwks`)),
    );
    expect(payload.client_id).toBe('service.client');
  });

  it('readiness - /readyz reports Redis; /healthz stays the cheap check', async () => {
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: 'redis', redis: { status: 'up' } });
    expect(await (await fetch(`${b.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('clients import - a client added to the file is imported once, reported, and served by both processes at once', async () => {
    const changed = join(file, '..', 'changed.json');
    const text = (await readFile(file, 'utf8')).replace(
      '"Clients": [',
      `"Clients": [
      {
        "ClientId": "imported.client",
        "ClientSecrets": [{ "Value": "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=" }],
        "AllowedGrantTypes": ["client_credentials"],
        "AllowedScopes": ["api1"]
      },`,
    );
    await writeFile(changed, text);
    expect((await clientCredentials(a.url, 'imported.client')).status).toBe(401);

    const imported = await runCli([
      'clients',
      'import',
      '--config',
      changed,
      '--redis',
      redis.url,
      '--redis-prefix',
      prefix,
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('+ imported.client (created)');
    expect(imported.stdout).toContain('1 created, 0 updated, 3 unchanged, 0 removed; resources unchanged');
    for (const server of [a, b]) {
      await vi.waitFor(
        async () => expect((await clientCredentials(server.url, 'imported.client')).status).toBe(200),
        {
          timeout: 5000, // pub/sub takes milliseconds; the margin is for a loaded CI machine
          interval: 10,
        },
      );
    }
    const twice = await runCli([
      'clients',
      'import',
      '--config',
      changed,
      '--redis',
      redis.url,
      '--redis-prefix',
      prefix,
    ]);
    expect(twice.stdout).toContain('0 created, 0 updated, 4 unchanged, 0 removed');

    const exported = await runCli(['clients', 'export', '--redis', redis.url, '--redis-prefix', prefix]);
    expect(exported.code, exported.stderr).toBe(0);
    const settings = JSON.parse(exported.stdout) as { IdentityServer: { Clients: { ClientId: string }[] } };
    expect(settings.IdentityServer.Clients.map((c) => c.ClientId)).toEqual([
      'imported.client',
      'reuse.client',
      'service.client',
      'web.client',
    ]);
    // The export is a configuration idsrv reads back as it was.
    const exportedFile = join(file, '..', 'exported.json');
    await writeFile(exportedFile, exported.stdout);
    const check = await runCli(['check', '--config', exportedFile]);
    expect(check.code, check.stderr).toBe(0);
    const reimport = await runCli([
      'clients',
      'import',
      '--config',
      exportedFile,
      '--redis',
      redis.url,
      '--redis-prefix',
      prefix,
    ]);
    expect(reimport.stdout).toContain('0 created, 0 updated, 4 unchanged, 0 removed; resources unchanged');
  });

  it('clients import - a cached client disabled by an import is refused by both processes at once (pub/sub invalidation)', async () => {
    // Both processes have service.client in their caches (clientCacheTtl 10 s)…
    for (const server of [a, b]) expect((await clientCredentials(server.url)).status).toBe(200);
    const disabled = join(file, '..', 'disabled.json');
    await writeFile(
      disabled,
      (await readFile(file, 'utf8')).replace(
        '"ClientId": "service.client",',
        '"ClientId": "service.client", "Enabled": false,',
      ),
    );
    const imported = await runCli([
      'clients',
      'import',
      '--config',
      disabled,
      '--redis',
      redis.url,
      '--redis-prefix',
      prefix,
    ]);
    expect(imported.stdout, imported.stderr).toContain('~ service.client (updated)');
    // …and refuse it well before the cache would have expired.
    const started = Date.now();
    for (const server of [a, b]) {
      await vi.waitFor(async () => expect((await clientCredentials(server.url)).status).toBe(401), {
        timeout: 5000,
        interval: 10,
      });
    }
    expect(Date.now() - started).toBeLessThan(5000);
    const restored = await runCli([
      'clients',
      'import',
      '--config',
      file,
      '--redis',
      redis.url,
      '--redis-prefix',
      prefix,
    ]);
    expect(restored.stdout).toContain('~ service.client (updated)');
    for (const server of [a, b]) {
      await vi.waitFor(async () => expect((await clientCredentials(server.url)).status).toBe(200), {
        timeout: 5000,
        interval: 10,
      });
    }
  });

  it('restart - a process stopped and started again serves with the same keys', async () => {
    const before = await jwks(a.url);
    await a.stop();
    a = await spawnServer(args());
    expect(await jwks(a.url)).toEqual(before);
    expect((await clientCredentials(a.url)).status).toBe(200);
  });
});
