// client_credentials with many active clients: idsrv on its memory store with `--clients` extra clients in its
// configuration, loaded (a) always as one of them and (b) rotating over all of them, request by request, in alternating
// rounds of the same run, both through the same load generator (load-rotating.mjs, which costs more per request than
// the autocannon CLI the other benches use, so its req/s are not comparable with theirs). oidc-provider alone keeps
// only its last 100 adapter-loaded clients; idsrv keeps one instance per client definition (see @idsrv/provider's
// README), so (b) should stay close to (a). Prints both and the ratio.
// With `--redis`, the server runs on a Redis of its own (started here; `serve` imports the clients on its first start).
// Each instance caches at most `clientCacheSize` (10 000) clients: more clients than that in turn means lookups in
// Redis, which is what this shows.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/many-clients.mjs [--clients 1000] [--duration 10] [--rounds 2] [--redis [--client-cache-size N] [--client-cache-ttl S]]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, runLoader, startBenchRedis, startIdsrv } from './lib.mjs';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    redis: { type: 'boolean', default: false },
    // With --redis: serve's --redis-client-cache-size (default 10 000) and --redis-client-cache-ttl (default 10 s).
    'client-cache-size': { type: 'string' },
    'client-cache-ttl': { type: 'string' },
  },
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const PREFIX = 'bench.client.';

// The sample configuration (JSON with comments) plus `--clients` copies of service.client under other ids.
const sample = JSON.parse(readFileSync(here('../appsettings.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
const template = sample.IdentityServer.Clients.find((c) => c.ClientId === 'service.client');
for (let i = 0; i < Number(values.clients); i++)
  sample.IdentityServer.Clients.push({ ...template, ClientId: `${PREFIX}${i}` });
const dir = mkdtempSync(join(tmpdir(), 'idsrv-bench-clients-'));
const config = join(dir, 'appsettings.json');
delete sample.$schema;
writeFileSync(config, JSON.stringify(sample));

function loadRotating(url, count) {
  const args = [here('./load-rotating.mjs'), url, PREFIX, String(count), values.connections, values.duration];
  return runLoader(args, url);
}

const redis = values.redis ? await startBenchRedis() : undefined;
const cacheSize = values['client-cache-size'];
const cacheTtl = values['client-cache-ttl'];
const idsrv = await startIdsrv([
  ...['--config', config],
  ...(redis ? ['--redis', redis.url] : ['--no-watch']),
  ...(redis && cacheSize ? ['--redis-client-cache-size', cacheSize] : []),
  ...(redis && cacheTtl ? ['--redis-client-cache-ttl', cacheTtl] : []),
]);
const url = `${idsrv.url}/connect/token`;
const one = {
  name: `idsrv${redis ? ' on Redis' : ''}, one client`,
  run: () => loadRotating(url, 1),
  runs: [],
};
const many = {
  name: `idsrv${redis ? ' on Redis' : ''}, ${values.clients} clients in turn`,
  run: () => loadRotating(url, Number(values.clients)),
  runs: [],
};
try {
  for (const t of [one, many]) await t.run(); // warm-up and sanity check (every client authenticates)
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const t of round % 2 === 0 ? [one, many] : [many, one]) {
      const before = cpuSeconds(idsrv.child.pid);
      const run = await t.run();
      run.cpuMsPerRequest = ((cpuSeconds(idsrv.child.pid) - before) * 1000) / run.requests;
      t.runs.push(run);
    }
  }
  // What holding the clients costs: the server's resident memory after the rounds (from /proc, in MiB).
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${idsrv.child.pid}/status`, 'utf8'))?.[1];
  console.log(`server RSS after the rounds: ${(Number(rss) / 1024).toFixed(0)} MiB`);
} finally {
  idsrv.child.kill();
  redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rps = (t) => mean(t.runs.map((r) => r.rps));
const cpu = (t) => mean(t.runs.map((r) => r.cpuMsPerRequest));
for (const t of [one, many])
  console.log(
    `${t.name.padEnd(34)} ${rps(t).toFixed(0).padStart(6)} req/s  p99 ${mean(t.runs.map((r) => r.p99)).toFixed(1)} ms  server CPU ${cpu(t).toFixed(3)} ms/request`,
  );
console.log(
  `${values.clients} clients in turn / one client: ${(rps(many) / rps(one)).toFixed(3)} by req/s, ${(cpu(one) / cpu(many)).toFixed(3)} by server CPU per request`,
);
