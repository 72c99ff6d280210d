import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  ACCESS_TOKEN_TYPE,
  ASSERTION_TYPE,
  clientAssertion,
  type GrantKeys,
  TOKEN_EXCHANGE,
  writeGrantsConfig,
} from './grants-helpers.ts';
import { tokenRequest } from './helpers.ts';
import { startRedisServer } from './redis-helpers.ts';

// Real redis-server and two servers: slower than the defaults allow on a loaded machine.
vi.setConfig({ testTimeout: 30_000 });

// Two instances behind one issuer, as behind a load balancer: state that must be shared lives in Redis.
const ISSUER = 'http://localhost:5998';
let redis: RedisProcess;
let keys: GrantKeys;
let a: RunningServer;
let b: RunningServer;

beforeAll(async () => {
  redis = await startRedis();
  const written = await writeGrantsConfig();
  keys = written.keys;
  a = await startRedisServer(written.file, { url: redis.url, keyPrefix: 'grants:' }, ISSUER);
  b = await startRedisServer(written.file, { url: redis.url, keyPrefix: 'grants:' }, ISSUER);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
}, 60_000);

/** A token request to one instance (its own address; the issuer is the shared one). */
const on = (server: RunningServer, body: Record<string, string>, basic?: [string, string]) =>
  tokenRequest({ issuer: server.url } as RunningServer, body, basic ? { basic } : undefined);

describe('idsrv grants on two instances sharing Redis', () => {
  /** A client_credentials request body authenticated with a fresh client assertion of jwt.client. */
  const assertedBody = async () => ({
    grant_type: 'client_credentials',
    scope: 'api1',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await clientAssertion('jwt.client', keys.jwt, ISSUER),
  });

  it('private_key_jwt - an assertion accepted by one instance is refused by the other (ReplayDetection in Redis)', async () => {
    const body = await assertedBody();
    expect((await on(a, body)).status).toBe(200);
    const replay = await on(b, body);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
  });

  it('private_key_jwt - of 20 concurrent requests with one assertion, split across both instances, exactly one passes', async () => {
    const body = await assertedBody();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => on(i % 2 ? b : a, body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const refused of responses.filter((r) => r.status !== 200)) {
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
    }
  });

  it('password grant - failed sign-ins are counted in Redis: five wrong passwords split across both instances block the right one at either', async () => {
    const signIn = (server: RunningServer, password: string) =>
      on(server, { grant_type: 'password', username: 'carol', password, scope: 'api1' }, [
        'ropc.client',
        'secret',
      ]);
    // Three failures at A, two at B: each instance alone stays under the limit of five.
    for (const server of [a, b, a, b, a])
      expect((await signIn(server, 'wrong')).body.error).toBe('invalid_grant');
    for (const server of [a, b]) {
      const blocked = await signIn(server, 'carol');
      expect(blocked.status).toBe(400);
      expect(blocked.body.error).toBe('invalid_grant');
      expect(String(blocked.body.error_description)).toMatch(/too many failed sign-ins/);
    }
  });

  it('token exchange - a reference token issued by one instance is exchanged on the other', async () => {
    const issued = await on(
      a,
      { grant_type: 'password', username: 'alice', password: 'alice', scope: 'api1' },
      ['ropc.reference', 'secret'],
    );
    expect(issued.status).toBe(200);
    const exchanged = await on(
      b,
      {
        grant_type: TOKEN_EXCHANGE,
        subject_token: String(issued.body.access_token),
        subject_token_type: ACCESS_TOKEN_TYPE,
      },
      ['exchange.client', 'secret'],
    );
    expect(exchanged.status).toBe(200);
    expect(exchanged.body.issued_token_type).toBe(ACCESS_TOKEN_TYPE);
  });

  it('password grant - a refresh token issued by one instance is redeemed on the other', async () => {
    const issued = await on(
      a,
      { grant_type: 'password', username: 'alice', password: 'alice', scope: 'openid api1 offline_access' },
      ['ropc.client', 'secret'],
    );
    expect(issued.body.refresh_token).toEqual(expect.any(String));
    const refreshed = await on(
      b,
      { grant_type: 'refresh_token', refresh_token: String(issued.body.refresh_token) },
      ['ropc.client', 'secret'],
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).toEqual(expect.any(String));
  });
});
