import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  clusterNodes,
  rawCommand,
  startAll,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from './index.ts';

describe('test-redis harness', () => {
  it('startRedis - answers PING; halt/resume keeps the port and, with persistence, the data', async () => {
    const redis = await startRedis({ persistence: true });
    try {
      expect(await rawCommand(redis.port, 'SET k v')).toMatch(/^\+OK/);
      await redis.halt();
      await expect(rawCommand(redis.port, 'PING')).rejects.toThrow();
      await redis.resume();
      expect(await rawCommand(redis.port, 'GET k')).toBe('$1\r\nv\r\n');
    } finally {
      await redis.stop();
    }
    expect(redis.child).toBeUndefined();
  });

  it('startRedis - a port that is taken: the error says what redis-server printed; startAll then stops the servers that did start', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startRedis({ port })).rejects.toThrow(
        new RegExp(`redis-server on port ${port} exited with 1: .*Address already in use`, 's'),
      );
      const fine = startRedis();
      await expect(startAll([fine, startRedis({ port })])).rejects.toThrow(/Address already in use/);
      const started = await fine;
      expect(started.child).toBeUndefined();
      await expect(rawCommand(started.port, 'PING')).rejects.toThrow();
    } finally {
      taken.close();
    }
  });

  it('startRedisCluster - with a replica per master: six nodes, three masters covering every slot, replicas in sync', async () => {
    const cluster = await startRedisCluster({ replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    try {
      expect(cluster.nodes).toHaveLength(6);
      const nodes = await clusterNodes(cluster.nodes[0]!.port);
      const masters = nodes.filter((n) => n.role === 'master');
      expect(masters).toHaveLength(3);
      expect(nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
      const served = masters
        .flatMap((m) => m.slots)
        .reduce((sum, [first, last]) => sum + last - first + 1, 0);
      expect(served).toBe(16384);
    } finally {
      await cluster.stop();
    }
  });

  it('startRedisSentinel - a master, its replica in sync, and a sentinel that knows both', async () => {
    const sentinel = await startRedisSentinel({ name: 'harness' });
    try {
      expect(sentinel.nodes).toHaveLength(2);
      expect(await rawCommand(sentinel.nodes[0]!.port, 'INFO replication')).toContain('role:master');
      expect(await rawCommand(sentinel.nodes[1]!.port, 'INFO replication')).toContain(
        'master_link_status:up',
      );
      const info = await rawCommand(sentinel.sentinels[0]!.port, 'INFO sentinel');
      expect(info).toContain(`name=harness,status=ok,address=127.0.0.1:${sentinel.nodes[0]!.port},slaves=1`);
      expect(sentinel.url).toBe(sentinel.sentinels[0]!.url);
    } finally {
      await sentinel.stop();
    }
  });

  it('startRedisSentinel - with passwords: the nodes and the sentinel refuse commands without theirs', async () => {
    const sentinel = await startRedisSentinel({
      name: 'locked',
      password: 'node-secret',
      sentinelPassword: 'sentinel-secret',
    });
    try {
      const [master] = sentinel.nodes;
      const [watcher] = sentinel.sentinels;
      expect(await rawCommand(master!.port, 'PING')).toMatch(/^-NOAUTH/);
      expect(await rawCommand(master!.port, 'PING', 1000, 'node-secret')).toMatch(/^\+PONG/);
      expect(await rawCommand(watcher!.port, 'PING')).toMatch(/^-NOAUTH/);
      expect(await rawCommand(watcher!.port, 'INFO sentinel', 1000, 'sentinel-secret')).toContain(
        'name=locked,status=ok',
      );
    } finally {
      await sentinel.stop();
    }
  });

  it('startRedisCluster - three masters reach cluster_state:ok', async () => {
    const cluster = await startRedisCluster();
    try {
      expect(cluster.nodes).toHaveLength(3);
      expect(await rawCommand(cluster.nodes[0]!.port, 'CLUSTER INFO')).toContain('cluster_known_nodes:3');
    } finally {
      await cluster.stop();
    }
  });
});
