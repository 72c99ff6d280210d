import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import {
  ALICE,
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

// Redis stopped under load and started again: clean errors during the outage, nothing issued before it lost (the
// test's Redis persists every write to its append-only file), and recovery without restarting the servers.
let redis: RedisProcess;
let inProcess: RunningServer;
let spawned: ServerProcess;

beforeAll(async () => {
  redis = await startRedis({ persistence: true });
  const file = await copyConfig();
  inProcess = await startRedisServer(
    file,
    { url: redis.url, keyPrefix: 'fault:' },
    'https://id.example.test',
  );
  // This one finds its Redis through the configuration's `Redis` section, set by environment variables.
  spawned = await spawnServer(['--config', file], { Redis__Url: redis.url, Redis__KeyPrefix: 'fault:' });
}, 60_000);
afterAll(async () => {
  await Promise.all([inProcess?.close(), spawned?.stop()]);
  await redis?.stop();
}, 60_000);

interface Outcome {
  at: number;
  ms: number;
  status: number;
  error?: unknown;
}

/** Keeps `workers` client_credentials requests in flight against `base` until `stop()`; records each outcome. */
function loadOf(base: string, workers = 3) {
  const outcomes: Outcome[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const start = performance.now();
      try {
        const { status, body } = await clientCredentials(base);
        outcomes.push({ at: Date.now(), ms: performance.now() - start, status, error: body.error });
      } catch (error) {
        // A hang (10 s timeout) or a dropped connection would land here.
        outcomes.push({ at: Date.now(), ms: performance.now() - start, status: 0, error: String(error) });
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    outcomes,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe('Redis outage under load', () => {
  it('outage - requests fail fast with 503 server_error, /readyz turns 503, nothing issued before is lost, service resumes by itself', async () => {
    // Issued before the outage: a grant with a refresh token and a stored (opaque) access token.
    const tokens = await redeem(
      inProcess.url,
      await mintAuthorizationCode(inProcess.provider, 'reuse.client'),
      'reuse.client',
    );
    expect(tokens.status).toBe(200);

    const loads = [loadOf(inProcess.url), loadOf(spawned.url)];
    await vi.waitFor(
      () => {
        for (const load of loads) {
          const last = JSON.stringify(load.outcomes.at(-1));
          expect(load.outcomes.filter((o) => o.status === 200).length, last).toBeGreaterThan(20);
        }
      },
      { timeout: 15_000, interval: 50 },
    );

    await redis.halt();
    const down = Date.now();
    // While Redis is down: every answer is a clean 503 server_error, quickly; the process stays up.
    await vi.waitFor(
      () => {
        for (const load of loads)
          expect(load.outcomes.filter((o) => o.at > down + 500 && o.status === 503).length).toBeGreaterThan(
            20,
          );
      },
      { timeout: 10_000, interval: 50 },
    );
    // Keep Redis down for two seconds of load at least (the outage's length, not a wait for readiness).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2000 - (Date.now() - down))));
    const ready = await fetch(`${spawned.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', redis: { status: 'down' } });
    expect((await fetch(`${spawned.url}/healthz`)).status).toBe(200);
    expect(await refresh(spawned.url, tokens.body.refresh_token as string, 'reuse.client')).toMatchObject({
      status: 503,
      body: { error: 'server_error' },
    });

    await redis.resume();
    const up = Date.now();
    await vi.waitFor(
      async () => {
        for (const load of loads)
          expect(load.outcomes.filter((o) => o.at > up && o.status === 200).length).toBeGreaterThan(20);
      },
      { timeout: 15_000, interval: 50 },
    );
    await Promise.all(loads.map((l) => l.stop()));

    for (const [i, load] of loads.entries()) {
      const during = load.outcomes.filter((o) => o.at > down && o.at < up);
      const failed = during.filter((o) => o.status !== 200);
      console.info(
        `${i === 0 ? 'in-process' : 'spawned'} server, ${up - down} ms outage: ${during.length} requests, ` +
          `${failed.length} answered 503 (slowest ${Math.max(...failed.map((o) => o.ms)).toFixed(1)} ms), ` +
          `${during.length - failed.length} succeeded`,
      );
      expect(during.length).toBeGreaterThan(0);
      // Nothing but success (requests that had what they needed) or a clean 503 server_error; nothing hangs.
      for (const o of during) {
        expect([200, 503], JSON.stringify(o)).toContain(o.status);
        if (o.status === 503) expect(o.error).toBe('server_error');
        expect(o.ms, JSON.stringify(o)).toBeLessThan(3000);
      }
    }
    expect(spawned.child.exitCode).toBeNull();
    expect((await fetch(`${spawned.url}/readyz`)).status).toBe(200);

    // Everything issued before the outage is still there.
    const refreshed = await refresh(spawned.url, tokens.body.refresh_token as string, 'reuse.client');
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const info = await fetch(`${inProcess.url}/connect/userinfo`, {
      headers: { authorization: `Bearer ${tokens.body.access_token as string}` },
    });
    expect(await info.json()).toMatchObject({ sub: ALICE });
  }, 60_000);
});
