import { describe, expect, it } from 'vitest';
import { rawCommand, startRedis, startRedisCluster } from './index.ts';

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
