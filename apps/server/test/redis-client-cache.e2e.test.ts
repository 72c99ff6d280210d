import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { clientCredentials, copyConfig, expectCacheLive, spawnServer } from './redis-helpers.ts';

// Each instance caches the clients it reads from Redis. A change made through idsrv reaches every cache at once
// (pub/sub); one written into Redis by hand sends no message, so whether the server sees it at once tells whether it
// served the client from its cache. That is how these tests see the cache options reach the store.
let redis: RedisProcess;
let direct: Redis;
let file: string;

beforeAll(async () => {
  redis = await startRedis();
  direct = new Redis(redis.url);
  file = await copyConfig();
});
afterAll(async () => {
  direct?.disconnect();
  await redis?.stop();
});

/** `serve` on the test Redis under `prefix` (it imports the file's clients there), its cache live. */
async function serve(prefix: string, args: string[] = [], env: Record<string, string> = {}) {
  const server = await spawnServer(
    ['--config', file, '--redis', redis.url, '--redis-prefix', prefix, ...args],
    env,
  );
  onTestFinished(() => server.stop());
  await expectCacheLive(server.url);
  return server;
}

/** Copies service.client under another id, by hand in Redis (a valid definition: the store checks it on read). */
async function copyClientByHand(prefix: string, clientId: string) {
  const definition = JSON.parse((await direct.get(`${prefix}client:service.client`))!);
  await direct.set(`${prefix}client:${clientId}`, JSON.stringify({ ...definition, clientId }));
}

/** Disables a client by hand in Redis: no change message is sent. */
async function disableByHand(prefix: string, clientId: string) {
  const key = `${prefix}client:${clientId}`;
  const definition = JSON.parse((await direct.get(key))!);
  await direct.set(key, JSON.stringify({ ...definition, enabled: false }));
}

describe('the Redis client cache options', () => {
  it('default - a client is served from the cache: a change written by hand is not seen at once', async () => {
    const server = await serve('cache-default:');
    expect((await clientCredentials(server.url)).status).toBe(200);
    await disableByHand('cache-default:', 'service.client');
    // Cached for up to 10 s (the default ClientCacheTtl): still served.
    expect((await clientCredentials(server.url)).status).toBe(200);
  });

  it('--redis-client-cache-ttl 0 - no cache: the next request reads Redis and sees the change', async () => {
    const server = await serve('cache-ttl:', ['--redis-client-cache-ttl', '0']);
    expect((await clientCredentials(server.url)).status).toBe(200);
    await disableByHand('cache-ttl:', 'service.client');
    const refused = await clientCredentials(server.url);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
  });

  it('Redis.ClientCacheTtl in the configuration (here from the environment) - the same', async () => {
    const server = await serve('cache-section:', [], { Redis__ClientCacheTtl: '0' });
    expect((await clientCredentials(server.url)).status).toBe(200);
    await disableByHand('cache-section:', 'service.client');
    expect((await clientCredentials(server.url)).status).toBe(401);
  });

  it('--redis-client-cache-size 1 - a second client pushes the first out, which is then read from Redis again', async () => {
    const server = await serve('cache-size:', ['--redis-client-cache-size', '1']);
    await copyClientByHand('cache-size:', 'other.client');
    expect((await clientCredentials(server.url)).status).toBe(200);
    await disableByHand('cache-size:', 'service.client');
    // Still cached (the default TTL is far off)…
    expect((await clientCredentials(server.url)).status).toBe(200);
    // …until another client takes the cache's one place.
    expect((await clientCredentials(server.url, 'other.client')).status).toBe(200);
    expect((await clientCredentials(server.url)).status).toBe(401);
  });

  it('a cache size of 0 is refused before the server starts, naming the option', async () => {
    await expect(serve('cache-bad:', ['--redis-client-cache-size', '0'])).rejects.toThrow(
      /--redis-client-cache-size.*a whole number, 1 or more/,
    );
  });
});
