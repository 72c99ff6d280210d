import { type RedisSentinelProcess, rawCommand, startRedisSentinel } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  copyConfig,
  expectServing,
  mintAuthorizationCode,
  redeem,
  refresh,
  refreshUntilServed,
  reusableGrant,
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
