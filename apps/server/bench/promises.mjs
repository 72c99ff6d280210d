// Promises created per client_credentials request: bare oidc-provider (bench/bare-provider.mjs), @idsrv/provider alone
// (bench/provider-only.mjs) and apps/server on the memory store, counted inside each server (count-promises.mjs).
//
// Unlike req/s and CPU time, the count is exact and the same on every machine, so it shows a change on the token path
// that this noisy machine's timings cannot. It matters because oidc-provider runs every request in an
// AsyncLocalStorage: on Node.js 20 each promise then pays async-hook callbacks (and a microtask), on top of its
// allocation. It is a diagnostic beside client-credentials.mjs, not a target.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/promises.mjs [--duration 3]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BARE_TARGET, load, PROVIDER_ONLY_TARGET, start, startIdsrv } from './lib.mjs';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '3' } } });
const dir = mkdtempSync(join(tmpdir(), 'idsrv-promises-'));
const preload = `--import=${new URL('./count-promises.mjs', import.meta.url).href}`;
const envFor = (name) => ({
  IDSRV_BENCH_PROMISES_FILE: join(dir, `${name}.json`),
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${preload}`.trim(),
});

const targets = [
  BARE_TARGET,
  PROVIDER_ONLY_TARGET,
  { name: 'idsrv (apps/server)', file: 'server', path: '/connect/token', clientId: 'service.client' },
];
const body = 'grant_type=client_credentials&scope=api1';
const counts = [];
try {
  for (const target of targets) {
    const env = envFor(target.file);
    const { url, child } = target.script
      ? await start([target.script], env)
      : await startIdsrv(['--no-watch'], env);
    try {
      // Warm-up first: lazily built caches (client instances, resource snapshots) are not the steady state.
      await load(`${url}${target.path}`, target.clientId, body, { duration: '2', connections: '10' });
      child.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const run = await load(`${url}${target.path}`, target.clientId, body, {
        duration: values.duration,
        connections: '10',
      });
      if (run.requests === 0) throw new Error(`${target.name}: no request completed`);
      child.kill('SIGUSR2');
      const file = env.IDSRV_BENCH_PROMISES_FILE;
      for (let i = 0; i < 50; i++) {
        try {
          const { promises, requests } = JSON.parse(readFileSync(file, 'utf8'));
          counts.push({ name: target.name, perRequest: promises / requests, requests });
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      child.kill();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const [bare] = counts;
for (const c of counts) {
  console.log(
    `${c.name.padEnd(22)} ${c.perRequest.toFixed(1).padStart(6)} promises/request  (${c.requests} requests)  ` +
      `${(c.perRequest / bare.perRequest).toFixed(3)} × bare`,
  );
}
