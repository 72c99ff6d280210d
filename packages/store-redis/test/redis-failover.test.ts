import { randomUUID } from 'node:crypto';
import { serviceClient } from '@idsrv/store-test-suite';
import { type RedisClusterProcess, rawCommand, startRedisCluster } from '@idsrv/test-redis';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisStore } from '../src/index.ts';

// Six redis-server processes and a failover: slower than the defaults allow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

let cluster: RedisClusterProcess;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  client = new Cluster(cluster.startupNodes, {
    enableOfflineQueue: false,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  client.on('error', () => {});
  // Without an offline queue a command fails until the Cluster is ready; the store's subscription (a connection of
  // its own) may be live before that.
  await new Promise((resolve) => client.once('ready', resolve));
}, 60_000);
afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
}, 60_000);

describe('redis store on a Cluster that fails over', () => {
  it('failover - the node holding the subscription is lost: the subscription comes back by itself, and changes reach the cache again', async () => {
    // A cache lifetime longer than the test: a change can only reach this cache through the subscription.
    const store = createRedisStore({ client, keyPrefix: `failover:${randomUUID()}:`, clientCacheTtl: 600 });
    try {
      await vi.waitFor(() => expect(store.subscribed).toBe(true), { timeout: 10_000, interval: 20 });
      await store.clients.putClient(serviceClient('svc'));

      // Stop the node that holds the subscription (the one connection in pub/sub mode, `sub=1` in CLIENT LIST):
      // ioredis moves it to another node, and the Cluster's own status never leaves 'ready' meanwhile.
      let holder: (typeof cluster.nodes)[number] | undefined;
      for (const node of cluster.nodes) {
        if (/ sub=1 /.test(await rawCommand(node.port, 'CLIENT LIST'))) holder = node;
      }
      expect(holder).toBeDefined();
      await holder!.halt();
      // Once the Cluster is whole again the subscription is live, whether ioredis reported the loss (the feed then
      // subscribes again itself) or moved the subscription without a word.
      const seed = cluster.nodes.find((n) => n !== holder)!;
      await vi.waitFor(
        async () => expect(await rawCommand(seed.port, 'CLUSTER INFO')).toContain('cluster_state:ok'),
        { timeout: 20_000, interval: 50 },
      );
      await vi.waitFor(() => expect(store.subscribed).toBe(true), { timeout: 20_000, interval: 50 });

      // Live again means trusted again: a change made through another connection reaches this cache.
      const other = createRedisStore({ client, keyPrefix: store.keyPrefix });
      try {
        await vi.waitFor(
          async () => expect((await store.clients.findClientById('svc'))?.clientId).toBe('svc'),
          {
            timeout: 10_000,
            interval: 100,
          },
        );
        await other.clients.putClient({ ...serviceClient('svc'), clientName: 'renamed' });
        await vi.waitFor(
          async () => expect((await store.clients.findClientById('svc'))?.clientName).toBe('renamed'),
          { timeout: 5_000, interval: 20 },
        );
      } finally {
        await other.dispose();
      }
    } finally {
      await store.dispose();
    }
  });
});
