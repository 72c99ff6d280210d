import {
  type RedisClusterProcess,
  type RedisProcess,
  startAll,
  startRedis,
  startRedisCluster,
} from '@idsrv/test-redis';
import { afterAll, beforeAll } from 'vitest';

/** What {@link useRedisAndCluster} started, once its `beforeAll` has run. */
export interface RedisServers {
  readonly server: RedisProcess;
  readonly cluster: RedisClusterProcess;
}

/**
 * A single redis-server and a three-master Cluster for the calling test file: started in a `beforeAll` registered now
 * (so it runs before the file's own), stopped in an `afterAll` (which runs after the file's own, that close their
 * connections).
 */
export function useRedisAndCluster(): RedisServers {
  const servers = {} as { server: RedisProcess; cluster: RedisClusterProcess };
  beforeAll(async () => {
    [servers.server, servers.cluster] = await startAll([startRedis(), startRedisCluster()]);
  });
  afterAll(async () => {
    await Promise.all([servers.server?.stop(), servers.cluster?.stop()]);
  });
  return servers;
}
