import { mkdtempSync } from 'node:fs';
import { cp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadServerConfiguration } from '../src/configuration.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { FIXTURE_CONFIG } from './helpers.ts';
import { clientCredentials, copyConfig, runCli, startRedisServer } from './redis-helpers.ts';

// Real redis-server, real servers, the built CLI: slow on a loaded 2-core machine. No assertion depends on timing:
// every wait polls for the state it needs, with a generous bound.
vi.setConfig({ testTimeout: 60_000 });

const ISSUER = 'http://localhost:5997';

async function jwks(base: string): Promise<{ keys: JWK[] }> {
  const response = await fetch(`${base}/.well-known/openid-configuration/jwks`);
  expect(response.status).toBe(200);
  return (await response.json()) as { keys: JWK[] };
}
const kids = async (base: string) => (await jwks(base)).keys.map((k) => k.kid);

async function accessToken(base: string): Promise<string> {
  const { status, body } = await clientCredentials(base);
  expect(status).toBe(200);
  return body.access_token as string;
}
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

/** Polls `probe` until it returns a truthy value (or fails the test after `timeoutMs`). */
async function until<T>(what: string, probe: () => Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The kid `keys rotate` reports it added. */
function addedKid(out: string): string {
  const kid = /added ES256 key (\S+)/.exec(out)?.[1];
  if (!kid) throw new Error(`no key added in: ${out}`);
  return kid;
}

async function idsrvKeys(...args: string[]) {
  const result = await runCli(['keys', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe('signing-key rotation on Redis: two instances, `idsrv keys rotate`', () => {
  const prefix = 'rotation:';
  let redis: RedisProcess;
  let file: string;
  let a: RunningServer;
  let b: RunningServer;
  let redisArgs: string[];
  let keyA: string;
  let tokenA: string;

  beforeAll(async () => {
    redis = await startRedis();
    file = await copyConfig();
    redisArgs = ['--config', file, '--redis', redis.url, '--redis-prefix', prefix];
    a = await startRedisServer(file, { url: redis.url, keyPrefix: prefix }, ISSUER);
    b = await startRedisServer(file, { url: redis.url, keyPrefix: prefix }, ISSUER);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  }, 60_000);

  it('before a rotation both instances publish and sign with the one shared key', async () => {
    expect(await kids(a.url)).toHaveLength(1);
    expect(await kids(b.url)).toEqual(await kids(a.url));
    tokenA = await accessToken(a.url);
    keyA = kidOf(tokenA)!;
    expect(await kids(a.url)).toEqual([keyA]);
    expect(kidOf(await accessToken(b.url))).toBe(keyA);
  });

  it('rotate with an activation delay - every instance publishes the new key at once, and none signs with it yet', async () => {
    const out = await idsrvKeys('rotate', ...redisArgs, '--activation-delay', '3600');
    const keyB = addedKid(out);
    // The pub/sub notice reaches both instances; each rebuilds its provider with the new JWKS.
    for (const server of [a, b]) {
      await until('the new key is published', async () => (await kids(server.url)).includes(keyB));
      expect(await kids(server.url)).toEqual([keyA, keyB]);
      expect(kidOf(await accessToken(server.url))).toBe(keyA);
    }
    const listed = JSON.parse(await idsrvKeys('list', ...redisArgs, '--json')) as {
      kid: string;
      state: string;
    }[];
    expect(listed.map((k) => [k.kid, k.state])).toEqual([
      [keyB, 'pending'],
      [keyA, 'signing'],
    ]);
    // `keys list` never prints key material.
    expect(JSON.stringify(listed)).not.toMatch(/"d"|"x"|"y"/);
  });

  it('rotate with a short delay - the new key signs once it activates; old and new tokens verify against the JWKS of either instance', async () => {
    const out = await idsrvKeys('rotate', ...redisArgs, '--activation-delay', '2');
    const keyC = addedKid(out);
    // Published first (the notice), then signing from its activation time (each instance's timer).
    const tokenC = await until('instance a signs with the new key', async () => {
      const token = await accessToken(a.url);
      return kidOf(token) === keyC ? token : undefined;
    });
    await until('instance b signs with the new key', async () => kidOf(await accessToken(b.url)) === keyC);

    const published = await jwks(a.url);
    expect(published.keys.map((k) => k.kid)).toContain(keyA);
    expect(published.keys[0]!.kid).toBe(keyC);
    expect(published.keys.some((k) => 'd' in k)).toBe(false);
    expect(await jwks(b.url)).toEqual(published);
    for (const server of [a, b]) {
      const remote = createRemoteJWKSet(new URL(`${server.url}/.well-known/openid-configuration/jwks`));
      await expect(jwtVerify(tokenA, remote, { issuer: ISSUER })).resolves.toBeDefined();
      await expect(jwtVerify(tokenC, remote, { issuer: ISSUER })).resolves.toBeDefined();
    }
  });

  it('a server started after the rotation serves the same JWKS and signs with the new key', async () => {
    const c = await startRedisServer(file, { url: redis.url, keyPrefix: prefix }, ISSUER);
    try {
      expect(await jwks(c.url)).toEqual(await jwks(a.url));
      expect(kidOf(await accessToken(c.url))).toBe((await kids(a.url))[0]);
    } finally {
      await c.close();
    }
  });

  it('rotate on a prefix where no server ever started fails with a message, not a stack', async () => {
    const result = await runCli([
      'keys',
      'rotate',
      '--config',
      file,
      '--redis',
      redis.url,
      '--redis-prefix',
      'none:',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/holds no signing keys/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('signing-key rotation of the development key file', () => {
  it('`keys rotate --config` adds a key to tempkey.jwk.json; the running server publishes it, then signs with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idsrv-keys-'));
    const file = join(dir, 'appsettings.json');
    await cp(FIXTURE_CONFIG, file);
    const configuration = await loadServerConfiguration(file);
    const server = await startServer({
      definitions: configuration.definitions,
      configFile: file,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const before = await kids(server.url);
      expect(before).toHaveLength(1);
      const out = await idsrvKeys('rotate', '--config', file, '--activation-delay', '1');
      const added = addedKid(out);
      // The file keeps the existing format: a JWKS (newest key first) with the cookie keys, plus keyTimes.
      const stored = JSON.parse(await readFile(join(dir, 'tempkey.jwk.json'), 'utf8'));
      expect(stored.keys.map((k: JWK) => k.kid)).toEqual([added, before[0]]);
      expect(stored.cookieKeys).toHaveLength(1);
      expect(Object.keys(stored.keyTimes)).toEqual([added, before[0]]);

      await until('the server signs with the new key', async () => (await kids(server.url))[0] === added);
      const published = await jwks(server.url);
      expect(published.keys.map((k) => k.kid)).toEqual([added, before[0]]);
      const token = await accessToken(server.url);
      expect(kidOf(token)).toBe(added);
      await expect(jwtVerify(token, createLocalJWKSet(published))).resolves.toBeDefined();
    } finally {
      await server.close();
    }
  });
});
