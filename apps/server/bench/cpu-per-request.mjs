// CPU time per client_credentials request, each target measured alone and restarted several times: the measure that
// holds still on these VMs when requests/s does not.
//
// Why not requests/s side by side (redis.mjs): every process here shares two cores, the machine's speed drifts by up to
// 2x over minutes, and a process measured while other target processes merely exist reads differently by the order
// they were started in (two identical idsrv processes in one run differed by 5-6%). So here:
//   - only one target process is alive at a time (its redis-server too, for the Redis target);
//   - each target is started `--restarts` times, in a rotating order, warmed up, then loaded for `--rounds` rounds of
//     `--requests` requests (autocannon, `-c 10`, a separate process);
//   - the figure is CPU seconds from /proc per request: of the whole process, and of its main thread (where the
//     JavaScript runs; the rest is the thread pool signing JWTs through WebCrypto, GC helpers and I/O);
//   - each target's median over all rounds of all restarts is compared with the bare oidc-provider's.
// Targets: bare oidc-provider (bench/bare-provider.mjs), @idsrv/provider alone (bench/provider-only.mjs), apps/server on
// its memory store, and apps/server on Redis (one client). The ratio bare / target is the share of bare's speed a
// CPU-bound machine would give the target (1.0 = as cheap as bare).
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/cpu-per-request.mjs [--restarts 3] [--rounds 3] [--requests 15000] [--warmup 20]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BARE_TARGET,
  cpuSeconds,
  load,
  mainThreadCpuSeconds,
  PROVIDER_ONLY_TARGET,
  start,
  startBenchRedis,
  startIdsrv,
  WARMUP_SECONDS,
} from './lib.mjs';

const { values } = parseArgs({
  options: {
    restarts: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '15000' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: WARMUP_SECONDS },
  },
});
const CONFIG = fileURLToPath(new URL('../test/fixtures/redis/appsettings.json', import.meta.url));
const BODY = 'grant_type=client_credentials&scope=api1';

/**
 * A running target: where to send requests, the process to measure, and `stop()`, which resolves once that process has
 * exited (so the next target runs alone).
 */
function running(url, clientId, child, alsoStop = () => {}) {
  return {
    url,
    clientId,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill();
        alsoStop();
      }),
  };
}

/** One of the scripts `bench/lib.mjs` describes (BARE_TARGET, PROVIDER_ONLY_TARGET), started with `start`. */
const scriptTarget = (target) => ({
  name: target.name,
  async start() {
    const { url, child } = await start([target.script]);
    return running(url + target.path, target.clientId, child);
  },
});

const targets = [
  scriptTarget(BARE_TARGET),
  scriptTarget(PROVIDER_ONLY_TARGET),
  {
    name: 'idsrv, memory store',
    async start() {
      const { url, child } = await startIdsrv(['--config', CONFIG, '--no-watch']);
      return running(`${url}/connect/token`, 'service.client', child);
    },
  },
  {
    name: 'idsrv, Redis store',
    async start() {
      const redis = await startBenchRedis();
      const { url, child } = await startIdsrv(['--config', CONFIG, '--redis', redis.url]);
      return running(`${url}/connect/token`, 'service.client', child, () => redis.stop());
    },
  },
];

const perRequest = Object.fromEntries(targets.map((t) => [t.name, { all: [], main: [] }]));
const requests = Number(values.requests);
for (let restart = 0; restart < Number(values.restarts); restart++) {
  const order = targets.map((_, i) => targets[(i + restart) % targets.length]);
  for (const target of order) {
    const started = await target.start();
    try {
      await load(started.url, started.clientId, BODY, { ...values, duration: values.warmup });
      for (let round = 0; round < Number(values.rounds); round++) {
        const all = cpuSeconds(started.pid);
        const main = mainThreadCpuSeconds(started.pid);
        await load(started.url, started.clientId, BODY, { ...values, amount: values.requests });
        perRequest[target.name].all.push(((cpuSeconds(started.pid) - all) * 1e6) / requests);
        perRequest[target.name].main.push(((mainThreadCpuSeconds(started.pid) - main) * 1e6) / requests);
      }
    } finally {
      await started.stop();
    }
    const last = (xs) => xs.slice(-Number(values.rounds)).map((x) => x.toFixed(0));
    const { all, main } = perRequest[target.name];
    console.log(
      `restart ${restart + 1}: ${target.name.padEnd(22)} µs/request ${last(all).join(' ')}  (main thread ${last(main).join(' ')})`,
    );
  }
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const bare = perRequest[targets[0].name];
console.log(
  `\nCPU µs per client_credentials request, median of ${values.restarts} restarts x ${values.rounds} rounds of ${values.requests} (-c ${values.connections}); ratio = bare / target`,
);
for (const { name } of targets) {
  const { all, main } = perRequest[name];
  console.log(
    `${name.padEnd(22)} ${median(all).toFixed(0).padStart(5)} µs (main thread ${median(main).toFixed(0).padStart(4)})` +
      `   ratio ${(median(bare.all) / median(all)).toFixed(3)} (main thread ${(median(bare.main) / median(main)).toFixed(3)})`,
  );
}
