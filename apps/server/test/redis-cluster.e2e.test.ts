import { type RedisClusterProcess, startRedisCluster } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  clientCredentials,
  copyConfig,
  mintAuthorizationCode,
  redeem,
  refresh,
  type ServerProcess,
  spawnServer,
  startRedisServer,
} from './redis-helpers.ts';

// Real redis-server processes and servers: slower than the package's defaults allow on a loaded CI machine.
vi.setConfig({ testTimeout: 30_000 });

// The same server on a three-master Redis Cluster: `--redis-cluster` with the seed nodes.
const ISSUER = 'https://id.example.test';
let cluster: RedisClusterProcess;
let a: RunningServer;
let b: ServerProcess;

beforeAll(async () => {
  cluster = await startRedisCluster();
  const file = await copyConfig();
  const url = cluster.startupNodes.map((n) => `redis://${n.host}:${n.port}`).join(',');
  // One issuer for both instances, as behind a load balancer (tokens name it; the other instance must accept them).
  a = await startRedisServer(file, { url, cluster: true }, ISSUER);
  b = await spawnServer(['--config', file, '--redis', url, '--redis-cluster'], {
    IdentityServer__IssuerUri: ISSUER,
  });
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.close(), b?.stop()]);
  await cluster?.stop();
}, 60_000);

describe('idsrv on Redis Cluster', () => {
  it('cluster - client_credentials on both instances; codes and refresh tokens from one are honoured, and replays revoked, by the other', async () => {
    expect((await clientCredentials(a.url)).status).toBe(200);
    expect((await clientCredentials(b.url)).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      // Issued by B, rotated by A; reuse of the first refresh token at B revokes the grant for both.
      const tokens = await redeem(b.url, await mintAuthorizationCode(a.provider));
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      const rotated = await refresh(a.url, tokens.body.refresh_token as string);
      expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
      expect((await refresh(b.url, tokens.body.refresh_token as string)).body.error).toBe('invalid_grant');
      expect((await refresh(a.url, rotated.body.refresh_token as string)).body.error).toBe('invalid_grant');

      // A code replayed at the other instance is refused, and what it issued is revoked (RFC 6749 §4.1.2).
      const minted = await mintAuthorizationCode(a.provider);
      const issued = await redeem(a.url, minted);
      expect(issued.status).toBe(200);
      expect((await redeem(b.url, minted)).body.error).toBe('invalid_grant');
      expect((await refresh(b.url, issued.body.refresh_token as string)).body.error).toBe('invalid_grant');
    }
    const ready = await fetch(`${b.url}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', redis: { status: 'up' } });
  });
});
