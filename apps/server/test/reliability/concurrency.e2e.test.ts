import {
  type RedisClusterProcess,
  type RedisProcess,
  startRedis,
  startRedisCluster,
} from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/server.ts';
import { startTestServer } from '../helpers.ts';
import {
  copyConfig,
  mintAuthorizationCode,
  REDIS_CONFIG,
  redeem,
  refresh,
  startRedisServer,
} from '../redis-helpers.ts';

// Real servers and redis-server processes on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000 });

/** Parallel redemptions per race: the figure. */
const RACERS = 50;
/** Races per store and kind, so a race that is won twice only now and then still shows. */
const ROUNDS = 5;

type Backend = { name: string; start(): Promise<RunningServer>; stop(): Promise<void> };

let redis: RedisProcess | undefined;
let cluster: RedisClusterProcess | undefined;

const backends: Backend[] = [
  {
    name: 'memory store',
    start: () => startTestServer(REDIS_CONFIG),
    stop: async () => {},
  },
  {
    name: 'Redis store (single node)',
    async start() {
      redis = await startRedis();
      return startRedisServer(await copyConfig(), { url: redis.url, keyPrefix: 'race:' });
    },
    stop: async () => redis?.stop(),
  },
  {
    name: 'Redis store (three-master Cluster)',
    async start() {
      cluster = await startRedisCluster();
      const url = cluster.startupNodes.map((n) => `redis://${n.host}:${n.port}`).join(',');
      return startRedisServer(await copyConfig(), { url, cluster: true });
    },
    stop: async () => cluster?.stop(),
  },
];

/** The statuses and error codes of `results`, for a readable failure. */
const summary = (results: { status: number; body: Record<string, unknown> }[]) =>
  JSON.stringify(results.map((r) => (r.status === 200 ? 200 : `${r.status} ${String(r.body.error)}`)));

describe.each(backends)('$name: concurrent redemptions', (backend) => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await backend.start();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await backend.stop();
  }, 60_000);

  it(`an authorization code redeemed ${RACERS} times at once - exactly one success, the rest invalid_grant, and the winner's refresh token revoked`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const minted = await mintAuthorizationCode(server.provider);
      const results = await Promise.all(Array.from({ length: RACERS }, () => redeem(server.url, minted)));
      const winners = results.filter((r) => r.status === 200);
      expect(winners, summary(results)).toHaveLength(1);
      for (const loser of results.filter((r) => r.status !== 200)) {
        expect(loser, summary(results)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      }
      // RFC 6749 §4.1.2: a code used twice revokes what it issued — the replays arrived, so the grant is gone.
      const after = await refresh(server.url, winners[0]!.body.refresh_token as string);
      expect(after).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
  });

  it(`a OneTimeOnly refresh token redeemed ${RACERS} times at once - exactly one success, and the reuse revokes the whole grant`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const tokens = await redeem(server.url, await mintAuthorizationCode(server.provider));
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      const refreshToken = tokens.body.refresh_token as string;
      const results = await Promise.all(
        Array.from({ length: RACERS }, () => refresh(server.url, refreshToken)),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners, summary(results)).toHaveLength(1);
      for (const loser of results.filter((r) => r.status !== 200)) {
        expect(loser, summary(results)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      }
      // RFC 9700 §4.14.2: reuse of a rotated refresh token invalidates the active one too.
      const rotated = winners[0]!.body.refresh_token as string;
      expect(rotated).not.toBe(refreshToken);
      expect(await refresh(server.url, rotated)).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant' },
      });
    }
  });

  it(`a ReUse refresh token redeemed ${RACERS} times at once - every redemption succeeds and keeps the same handle`, async () => {
    const tokens = await redeem(
      server.url,
      await mintAuthorizationCode(server.provider, 'reuse.client'),
      'reuse.client',
    );
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    const refreshToken = tokens.body.refresh_token as string;
    const results = await Promise.all(
      Array.from({ length: RACERS }, () => refresh(server.url, refreshToken, 'reuse.client')),
    );
    expect(
      results.filter((r) => r.status === 200),
      summary(results),
    ).toHaveLength(RACERS);
    for (const r of results) expect(r.body.refresh_token ?? refreshToken).toBe(refreshToken);
  });
});
