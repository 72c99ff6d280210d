import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/server.ts';
import {
  copyConfig,
  mintAuthorizationCode,
  redeem,
  refresh,
  type ServerProcess,
  spawnServer,
  startRedisServer,
} from '../redis-helpers.ts';

// The server process killed (SIGKILL: no shutdown hook runs) in the middle of issuing tokens, then started again on
// the same Redis: every grant whose tokens reached the client before the kill still works afterwards.
vi.setConfig({ testTimeout: 120_000 });

const ISSUER = 'http://localhost:5998';
let redis: RedisProcess;
let file: string;
let minter: RunningServer;
const prefix = 'kill:';

beforeAll(async () => {
  redis = await startRedis({ persistence: true });
  file = await copyConfig();
  // Codes are minted in-process (as the login page would); the process under test only redeems them.
  minter = await startRedisServer(file, { url: redis.url, keyPrefix: prefix }, ISSUER);
}, 60_000);
afterAll(async () => {
  await minter?.close();
  await redis?.stop();
}, 60_000);

const spawn = () =>
  spawnServer(['--config', file, '--redis', redis.url, '--redis-prefix', prefix], {
    IdentityServer__IssuerUri: ISSUER,
  });

describe('server process killed under load (Redis store)', () => {
  it('kill -9 mid-load - clean failures only while it is down; every refresh token issued before the kill works after the restart', async () => {
    let server: ServerProcess = await spawn();
    const issued: string[] = [];
    const failures: string[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const minted = await mintAuthorizationCode(minter.provider);
        try {
          const { status, body } = await redeem(server.url, minted);
          if (status === 200) issued.push(body.refresh_token as string);
          else failures.push(`${status} ${String(body.error)}`);
        } catch (error) {
          // The connection died with the process: the client saw no token, so nothing was promised.
          failures.push(`network: ${(error as Error).message}`);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    while (issued.length < 40) await new Promise((r) => setTimeout(r, 50));
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    const beforeKill = issued.length;
    running = false;
    await Promise.all(workers);

    server = await spawn();
    try {
      // Every token the client received before the kill is redeemable now (each once: rotation is OneTimeOnly).
      const results = await Promise.all(issued.map((token) => refresh(server.url, token)));
      const lost = results.filter((r) => r.status !== 200);
      expect(lost.map((r) => `${r.status} ${String(r.body.error)}`)).toEqual([]);
      expect(issued.length).toBeGreaterThanOrEqual(beforeKill);
      // While it was down the only failures were dropped connections — never a 5xx or a wrong answer.
      for (const failure of failures) expect(failure).toMatch(/^network: /);
    } finally {
      await server.stop();
    }
  });
});
