// Memory under a long load: apps/server on the memory store, with a reference-token client so that every token
// request stores a record, loaded for `--duration` seconds. Every `--every` seconds it prints the server's RSS, the
// records the store holds against its cap (`--max-entries`) and how many it evicted, from /proc and /metrics.
// Bounded means: records stop at the cap, and RSS levels off once they do.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/soak.mjs [--duration 120] [--max-entries 20000]
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load, startIdsrv } from './lib.mjs';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '120' },
    every: { type: 'string', default: '10' },
    'max-entries': { type: 'string', default: '20000' },
    connections: { type: 'string', default: '10' },
  },
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const config = join(mkdtempSync(join(tmpdir(), 'idsrv-soak-')), 'appsettings.json');
copyFileSync(here('./soak.appsettings.json'), config);

const server = await startIdsrv([
  '--config',
  config,
  '--no-watch',
  '--memory-max-entries',
  values['max-entries'],
]);
const rssMiB = () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))[1]) / 1024;
const gauge = (text, name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

const samples = [];
const sample = async (elapsed) => {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const row = {
    s: elapsed,
    rss: rssMiB(),
    records: gauge(metrics, 'idsrv_memory_store_records'),
    evicted: gauge(metrics, 'idsrv_memory_store_evicted'),
  };
  samples.push(row);
  console.log(
    `${String(row.s).padStart(5)} s  RSS ${row.rss.toFixed(1).padStart(7)} MiB  records ${String(row.records).padStart(7)} / ${values['max-entries']}  evicted ${row.evicted}`,
  );
};

try {
  const every = Number(values.every);
  const rounds = Math.ceil(Number(values.duration) / every);
  await sample(0);
  for (let round = 1; round <= rounds; round++) {
    await load(`${server.url}/connect/token`, 'soak.reference', 'grant_type=client_credentials&scope=api1', {
      connections: values.connections,
      duration: String(every),
    });
    await sample(round * every);
  }
} finally {
  server.child.kill();
}
const peak = Math.max(...samples.map((r) => r.rss));
const half = samples.slice(Math.floor(samples.length / 2));
const lateGrowth = half.at(-1).rss - half[0].rss;
const maxRecords = Math.max(...samples.map((r) => r.records));
console.log(
  `peak RSS ${peak.toFixed(1)} MiB; RSS change over the second half ${lateGrowth >= 0 ? '+' : ''}${lateGrowth.toFixed(1)} MiB; ` +
    `most records held ${maxRecords} (cap ${values['max-entries']}); evicted ${samples.at(-1).evicted}`,
);
