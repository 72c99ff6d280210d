import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  type RedisClusterProcess,
  type RedisProcess,
  startRedis,
  startRedisCluster,
} from '@idsrv/test-redis';
import type Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/server.ts';
import { startTestServer } from '../helpers.ts';
import {
  ALICE,
  copyConfig,
  mintAuthorizationCode,
  post,
  redeem,
  refresh,
  startRedisServer,
} from '../redis-helpers.ts';

/** The multi-instance clients plus a public device-flow client. */
const CONFIG = fileURLToPath(new URL('../fixtures/reliability.appsettings.json', import.meta.url));
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * A device code alice has already approved on the verification page (a Grant and an approved DeviceCode, saved
 * through `provider`'s own models, so in its store): what polling redeems.
 */
async function mintApprovedDeviceCode(provider: Provider, clientId = 'device.client'): Promise<string> {
  const { Grant, DeviceCode, Client } = provider as unknown as {
    Grant: new (init: object) => { addOIDCScope(s: string): void; save(): Promise<string> };
    DeviceCode: new (init: object) => { save(): Promise<string> };
    Client: { find(id: string): Promise<unknown> };
  };
  const scope = 'openid offline_access';
  const grant = new Grant({ accountId: ALICE, clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  return new DeviceCode({
    client: await Client.find(clientId),
    accountId: ALICE,
    grantId,
    scope,
    params: { client_id: clientId, scope },
    userCode: randomBytes(6).toString('hex'),
    authTime: Math.floor(Date.now() / 1000),
  }).save();
}

const pollDeviceCode = (base: string, deviceCode: string) =>
  post(
    base,
    '/connect/token',
    { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'device.client' },
    null,
  );

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
    start: () => startTestServer(CONFIG),
    stop: async () => {},
  },
  {
    name: 'Redis store (single node)',
    async start() {
      redis = await startRedis();
      return startRedisServer(await copyConfig(CONFIG), { url: redis.url, keyPrefix: 'race:' });
    },
    stop: async () => redis?.stop(),
  },
  {
    name: 'Redis store (three-master Cluster)',
    async start() {
      cluster = await startRedisCluster();
      const url = cluster.startupNodes.map((n) => `redis://${n.host}:${n.port}`).join(',');
      return startRedisServer(await copyConfig(CONFIG), { url, cluster: true });
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

  it(`an approved device code polled ${RACERS} times at once - exactly one success, the rest invalid_grant, and what it issued revoked`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const deviceCode = await mintApprovedDeviceCode(server.provider);
      const results = await Promise.all(
        Array.from({ length: RACERS }, () => pollDeviceCode(server.url, deviceCode)),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners, summary(results)).toHaveLength(1);
      for (const loser of results.filter((r) => r.status !== 200)) {
        expect(loser, summary(results)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      }
      const after = await post(
        server.url,
        '/connect/token',
        {
          grant_type: 'refresh_token',
          refresh_token: winners[0]!.body.refresh_token as string,
          client_id: 'device.client',
        },
        null,
      );
      expect(after).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
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
