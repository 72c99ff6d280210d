// client_credentials throughput: apps/server with its default configuration against a bare oidc-provider with one
// static client (bench/bare-provider.mjs), same signing algorithm, measured in the same run, alternating rounds.
// Prints requests/s and p99 for each and the ratio idsrv / bare. Target: ratio >= 0.95.
// A third target, @idsrv/provider alone on a plain HTTP server (bench/provider-only.mjs, same definitions), splits
// the gap between the bridge (provider / bare) and the server's own layers (apps/server / provider).
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/client-credentials.mjs [--duration 10] [--rounds 2] [--warmup 20]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, load as loadWith, start, startIdsrv, WARMUP_SECONDS } from './lib.mjs';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: WARMUP_SECONDS },
  },
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const load = (url, clientId, duration = values.duration) =>
  loadWith(url, clientId, 'grant_type=client_credentials&scope=api1', { ...values, duration });

const idsrv = await startIdsrv(['--no-watch']);
const bare = await start([here('./bare-provider.mjs')]);
const providerOnly = await start([here('./provider-only.mjs')]);
const targets = [
  { name: 'bare oidc-provider', url: `${bare.url}/token`, clientId: 'bench', pid: bare.child.pid, runs: [] },
  {
    name: '@idsrv/provider only',
    url: `${providerOnly.url}/connect/token`,
    clientId: 'service.client',
    pid: providerOnly.child.pid,
    runs: [],
  },
  {
    name: 'idsrv (apps/server)',
    url: `${idsrv.url}/connect/token`,
    clientId: 'service.client',
    pid: idsrv.child.pid,
    runs: [],
  },
];
try {
  // Warm-up (until V8 has optimized what the requests run; see WARMUP_SECONDS) and sanity check.
  for (const t of targets) await load(t.url, t.clientId, values.warmup);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const before = cpuSeconds(t.pid);
      const run = await load(t.url, t.clientId);
      run.cpuMsPerRequest = ((cpuSeconds(t.pid) - before) * 1000) / run.requests;
      t.runs.push(run);
    }
  }
} finally {
  idsrv.child.kill();
  bare.child.kill();
  providerOnly.child.kill();
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const t of targets) {
  const rps = mean(t.runs.map((r) => r.rps))
    .toFixed(0)
    .padStart(6);
  const p99 = mean(t.runs.map((r) => r.p99)).toFixed(1);
  const cpu = mean(t.runs.map((r) => r.cpuMsPerRequest)).toFixed(3);
  console.log(`${t.name.padEnd(22)} ${rps} req/s  p99 ${p99} ms  server CPU ${cpu} ms/request`);
}
const [base, bridge, ours] = targets;
const rpsOf = (t) => mean(t.runs.map((r) => r.rps));
const cpuOf = (t) => mean(t.runs.map((r) => r.cpuMsPerRequest));
console.log(
  `ratio idsrv / bare: ${(rpsOf(ours) / rpsOf(base)).toFixed(3)} by req/s (target >= 0.95), ${(cpuOf(base) / cpuOf(ours)).toFixed(3)} by server CPU per request`,
);
console.log(
  `  of which the bridge (@idsrv/provider / bare): ${(rpsOf(bridge) / rpsOf(base)).toFixed(3)} by req/s, ${(cpuOf(base) / cpuOf(bridge)).toFixed(3)} by CPU; ` +
    `the server's layers (apps/server / @idsrv/provider): ${(rpsOf(ours) / rpsOf(bridge)).toFixed(3)} by req/s, ${(cpuOf(bridge) / cpuOf(ours)).toFixed(3)} by CPU`,
);
