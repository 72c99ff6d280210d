import { type RedisSentinelProcess, rawCommand, startRedisSentinel } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  clientCredentials,
  copyConfig,
  expectServing,
  mintAuthorizationCode,
  redeem,
  refresh,
  refreshUntilServed,
  reusableGrant,
  runCli,
  spawnServer,
  startRedisServer,
} from './redis-helpers.ts';

// A master, its replica and a sentinel, a failover, and servers: slower than the defaults allow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

// Redis Sentinel: `--redis` lists the sentinels and `--redis-sentinel NAME` names the master they watch. When the
// master dies the sentinel promotes its replica, and the server follows without a restart.
let sentinel: RedisSentinelProcess;
let file: string;
let server: RunningServer;

beforeAll(async () => {
  sentinel = await startRedisSentinel({ name: 'idsrv-main', downAfterMs: 1000 });
  file = await copyConfig();
  server = await startRedisServer(file, {
    url: sentinel.url,
    sentinel: 'idsrv-main',
    keyPrefix: 'sentinel:',
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await sentinel?.stop();
}, 60_000);

describe('idsrv on Redis Sentinel', () => {
  it('sentinel - the CLI connects through the sentinels (--redis-sentinel) and shares state with the in-process instance', async () => {
    const spawned = await spawnServer([
      '--config',
      file,
      '--redis',
      sentinel.url,
      '--redis-sentinel',
      'idsrv-main',
      '--redis-prefix',
      'sentinel:',
    ]);
    try {
      // A code created through one instance's models is redeemed at the other: both reach the same master.
      const tokens = await redeem(
        spawned.url,
        await mintAuthorizationCode(server.provider, 'reuse.client'),
        'reuse.client',
      );
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      expect((await refresh(server.url, String(tokens.body.refresh_token), 'reuse.client')).status).toBe(200);
      expect(spawned.output()).toContain("sentinel master 'idsrv-main'");
    } finally {
      await spawned.stop();
    }
  });

  it('failover - the master dies: requests fail cleanly (503) until the sentinel promotes the replica, then the grant is honoured without a restart', async () => {
    const { refreshToken } = await reusableGrant(server);
    // Replication is asynchronous: let the replica catch up, so that this test is about failover.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [master, replica] = sentinel.nodes;
    await master!.halt();

    const { last, seen } = await refreshUntilServed(server.url, refreshToken, 'reuse.client');
    expect(last.status, `statuses while failing over: ${seen.join(' ')}`).toBe(200);
    // The replica is the master now.
    expect(await rawCommand(replica!.port, 'INFO replication')).toContain('role:master');
    await expectServing(server);
  });
});

// Sentinels with a password of their own (`requirepass` in their configuration, as Helm charts for Redis set up by
// default), and a master with another one: the master's goes in the URL, the sentinels' in
// IDSRV_REDIS_SENTINEL_PASSWORD (or `Redis:SentinelPassword`).
describe('idsrv on Redis Sentinel with passwords', () => {
  let locked: RedisSentinelProcess;
  let lockedUrl: string;
  beforeAll(async () => {
    locked = await startRedisSentinel({
      name: 'idsrv-locked',
      password: 'node-secret',
      sentinelPassword: 'sentinel-secret',
    });
    // The first URL's credentials are the master's.
    lockedUrl = locked.url.replace('redis://', 'redis://:node-secret@');
  }, 60_000);
  /** `serve`'s options for the locked sentinels, all but their password. */
  const lockedServe = () => [
    ...['--config', file, '--redis', lockedUrl],
    ...['--redis-sentinel', 'idsrv-locked', '--redis-prefix', 'locked:'],
  ];
  afterAll(async () => {
    await locked?.stop();
  }, 60_000);

  it("sentinel auth - the sentinels' password from the environment and the master's from the URL: tokens are served, and neither password is printed", async () => {
    const spawned = await spawnServer(lockedServe(), { IDSRV_REDIS_SENTINEL_PASSWORD: 'sentinel-secret' });
    try {
      const tokens = await clientCredentials(spawned.url);
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      // The clients were seeded into the master through the sentinels, with the master's password.
      expect(await rawCommand(locked.nodes[0]!.port, 'DBSIZE', 1000, 'node-secret')).not.toBe(':0\r\n');
      expect(spawned.output()).toContain("sentinel master 'idsrv-locked'");
      expect(spawned.output()).not.toContain('node-secret');
      expect(spawned.output()).not.toContain('sentinel-secret');
    } finally {
      await spawned.stop();
    }
  });

  it("sentinel auth - without the sentinels' password the server refuses to start and says what Redis answered", async () => {
    const result = await runCli(['serve', '--port', '0', ...lockedServe()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/did not answer within 10 s/);
    expect(result.stderr).toMatch(/NOAUTH|WRONGPASS|[Aa]uthentication/);
    expect(result.stdout + result.stderr).not.toContain('node-secret');
  });
});
