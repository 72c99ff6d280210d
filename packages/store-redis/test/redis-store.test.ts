import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { testRedisStore } from './conformance.ts';

let server: RedisProcess;
let first: Redis;
let second: Redis;

beforeAll(async () => {
  server = await startRedis();
  first = new Redis(server.url);
  second = new Redis(server.url);
});
afterAll(async () => {
  first?.disconnect();
  second?.disconnect();
  await server?.stop();
});

testRedisStore('redis (single node)', () => [first, second]);
