// client_credentials throughput: apps/server with its default configuration against a bare oidc-provider with one
// static client (bench/bare-provider.mjs), same signing algorithm, measured in the same run, alternating rounds.
// Prints requests/s and p99 for each and the ratio idsrv / bare. Target: ratio >= 0.95.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/client-credentials.mjs [--duration 10] [--rounds 2]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, load as loadWith, start, startIdsrv } from './lib.mjs';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
  },
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const load = (url, clientId) => loadWith(url, clientId, 'grant_type=client_credentials&scope=api1', values);

const idsrv = await startIdsrv(['--no-watch']);
const bare = await start([here('./bare-provider.mjs')]);
const targets = [
  { name: 'bare oidc-provider', url: `${bare.url}/token`, clientId: 'bench', pid: bare.child.pid, runs: [] },
  {
    name: 'idsrv (apps/server)',
    url: `${idsrv.url}/connect/token`,
    clientId: 'service.client',
    pid: idsrv.child.pid,
    runs: [],
  },
];
try {
  for (const t of targets)
    await load(t.url, t.clientId).catch((e) => {
      throw e;
    }); // warm-up and sanity check
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
const [base, ours] = targets;
const ratio = mean(ours.runs.map((r) => r.rps)) / mean(base.runs.map((r) => r.rps));
const cpuRatio =
  mean(base.runs.map((r) => r.cpuMsPerRequest)) / mean(ours.runs.map((r) => r.cpuMsPerRequest));
console.log(
  `ratio idsrv / bare: ${ratio.toFixed(3)} by req/s (target >= 0.95), ${cpuRatio.toFixed(3)} by server CPU per request`,
);
