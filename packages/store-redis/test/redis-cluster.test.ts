import { type RedisClusterProcess, startRedisCluster } from '@idsrv/test-redis';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { testRedisStore } from './conformance.ts';

let cluster: RedisClusterProcess;
let first: Cluster;
let second: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  first = new Cluster(cluster.startupNodes);
  second = new Cluster(cluster.startupNodes);
});
afterAll(async () => {
  first?.disconnect();
  second?.disconnect();
  await cluster?.stop();
});

testRedisStore('redis (cluster, 3 masters)', () => [first, second]);
