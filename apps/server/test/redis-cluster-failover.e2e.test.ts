import { clusterNodes, type RedisClusterProcess, rawCommand, startRedisCluster } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  copyConfig,
  expectServing,
  refresh,
  refreshUntilServed,
  reusableGrant,
  startRedisServer,
} from './redis-helpers.ts';

// Six redis-server processes, a failover and a server: slower than the package's defaults allow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

// A Redis Cluster with a replica per master, as the store's README asks for production: when a master dies its
// replica takes over its slots (after cluster-node-timeout), and the server carries on without a restart.
let cluster: RedisClusterProcess;
let server: RunningServer;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  const url = cluster.startupNodes.map((n) => `redis://${n.host}:${n.port}`).join(',');
  server = await startRedisServer(await copyConfig(), { url, cluster: true, keyPrefix: 'failover:' });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await cluster?.stop();
}, 60_000);

describe('idsrv on Redis Cluster with replicas', () => {
  it('failover - the master holding a grant dies: requests fail cleanly (503) until its replica takes over, then the grant is honoured without a restart', async () => {
    const { grantId, refreshToken } = await reusableGrant(server);
    expect((await refresh(server.url, refreshToken, 'reuse.client')).status).toBe(200);

    // The master serving the grant's hash slot (its records, index and pointer-followed data live there).
    const seed = cluster.nodes[0]!.port;
    const slot = Number((await rawCommand(seed, `CLUSTER KEYSLOT {${grantId}}`)).replace(/^:/, ''));
    const owner = (await clusterNodes(seed)).find(
      (n) => n.role === 'master' && n.slots.some(([first, last]) => first <= slot && slot <= last),
    );
    expect(owner).toBeDefined();
    // Replication is asynchronous: let the replica catch up, so that this test is about failover, not about the
    // writes of the last instant (which a dying master can take with it; see the store README).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const dying = cluster.nodes.find((n) => n.port === owner!.port)!;
    await dying.halt();

    const { last, seen } = await refreshUntilServed(server.url, refreshToken, 'reuse.client');
    expect(last.status, `statuses while failing over: ${seen.join(' ')}`).toBe(200);
    // The replica is a master now, and the cluster is whole again without the dead node.
    const after = await clusterNodes(seed === dying.port ? cluster.nodes[1]!.port : seed);
    expect(after.find((n) => n.port === dying.port)?.failing).toBe(true);
    expect(
      after.some(
        (n) =>
          n.role === 'master' && !n.failing && n.slots.some(([first, last]) => first <= slot && slot <= last),
      ),
    ).toBe(true);

    // Everything else works too.
    await expectServing(server);
  });
});
