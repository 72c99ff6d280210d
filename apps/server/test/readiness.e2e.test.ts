import { freePort, type RedisProcess, startRedis } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadServerConfiguration } from '../src/configuration.ts';
import { startServer } from '../src/server.ts';
import { FIXTURE_CONFIG } from './helpers.ts';
import { type CliServer, spawnServe, tempConfig, token } from './lifecycle-helpers.ts';
import { REDIS_CONFIG } from './redis-helpers.ts';

// Real redis-server and server processes: slower than the defaults allow on a loaded CI machine.
vi.setConfig({ testTimeout: 60_000 });

interface Readiness {
  status: string;
  store: string;
  redis?: { status: string };
  keys: { status: string; signing: number };
  configuration: { status: string; watching: boolean };
}

async function readyz(base: string) {
  const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Readiness };
}

describe('/readyz on Redis', () => {
  let redis: RedisProcess;
  let server: CliServer;

  beforeAll(async () => {
    // Persistence on: the clients imported at the first start are still there when redis-server comes back.
    redis = await startRedis({ persistence: true });
    // --watch is given on purpose: with --redis it is reported and ignored.
    server = await spawnServe([
      '--config',
      await tempConfig(REDIS_CONFIG),
      '--port',
      '0',
      '--redis',
      redis.url,
      '--redis-prefix',
      'readyz:',
      '--watch',
    ]);
  }, 60_000);
  afterAll(async () => {
    server?.kill();
    await redis?.stop();
  }, 60_000);

  it('ready - store reachable, keys loaded, configuration valid; --watch reported as not applying', async () => {
    const ready = await readyz(server.url);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      store: 'redis',
      redis: { status: 'up' },
      keys: { status: 'loaded', signing: 1 },
      configuration: { status: 'valid', watching: false },
    });
    expect(server.output()).toContain('--watch ignored: with --redis, clients and resources live in Redis');
  });

  it('redis-server stopped - /readyz turns 503 (and /healthz stays 200); started again - 200 without a restart', async () => {
    await redis.halt();
    await vi.waitFor(async () => expect((await readyz(server.url)).status).toBe(503), {
      timeout: 20_000,
      interval: 100,
    });
    const down = await readyz(server.url);
    expect(down.body).toMatchObject({
      status: 'unavailable',
      redis: { status: 'down' },
      keys: { status: 'loaded' },
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await redis.resume();
    await vi.waitFor(async () => expect((await readyz(server.url)).status).toBe(200), {
      timeout: 20_000,
      interval: 100,
    });
    expect((await token(server.url, 'service.client', 'api1')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

describe('/readyz on the memory store', () => {
  it('ready - memory store, keys loaded, configuration watched', async () => {
    const server = await spawnServe(['--config', await tempConfig(FIXTURE_CONFIG), '--port', '0']);
    try {
      const ready = await readyz(server.url);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ready',
        store: 'memory',
        keys: { status: 'loaded', signing: 1 },
        configuration: { status: 'valid', watching: true },
      });
      expect(ready.body.redis).toBeUndefined();
    } finally {
      server.kill();
    }
  });
});

describe('starting on Redis', () => {
  it('starting - while the server waits for Redis every request gets a prompt 503 temporarily_unavailable; then it serves', async () => {
    const redis = await startRedis();
    // Redis is down when the server starts: the port opens at once, and the provider is built once Redis answers.
    await redis.halt();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const configuration = await loadServerConfiguration(REDIS_CONFIG);
    const starting = startServer({
      definitions: configuration.definitions,
      configFile: REDIS_CONFIG,
      port,
      host: '127.0.0.1',
      redis: { url: redis.url, keyPrefix: 'starting:' },
    });
    try {
      let early: Response | undefined;
      for (let tries = 0; !early && tries < 100; tries++) {
        early = await fetch(`${base}/connect/token`, { method: 'POST' }).catch(() => undefined);
        if (!early) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(early?.status).toBe(503);
      expect(early?.headers.get('retry-after')).toBe('1');
      expect(await early?.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the server is starting',
      });
      // Probes too: the server is not live as a token service yet.
      expect((await fetch(`${base}/healthz`)).status).toBe(503);

      await redis.resume();
      const running = await starting;
      try {
        expect((await token(base, 'service.client', 'api1')).status).toBe(200);
        expect((await readyz(base)).status).toBe(200);
      } finally {
        await running.close();
      }
    } finally {
      await starting.catch(() => undefined);
      await redis.stop();
    }
  });
});
