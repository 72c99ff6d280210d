// Instructions, simulated cache misses and simulated branch mispredictions per client_credentials request, counted by
// valgrind's callgrind (`--cache-sim=yes --branch-sim=yes`) in each server process: the bare oidc-provider
// (bench/bare-provider.mjs), @idsrv/provider alone (bench/provider-only.mjs), and apps/server on the memory store
// without and with metrics. Counting starts after a warm-up (`callgrind_control -i on`), so start-up is left out;
// every thread of the process is counted (the crypto thread pool, the garbage collector's helpers, the optimizing
// compiler). The JIT's warm-up is not left out by the default `--warmup 1500`: natively a target is steady only after
// about 40 000 requests (see WARMUP_SECONDS in lib.mjs), and in a run of 2026-12-07 about a third of the instructions
// counted after 1 500 requests, in bare oidc-provider and in the server alike, were V8's optimizing compiler at work
// (`v8::internal::compiler::…` in `callgrind_annotate`). A larger `--warmup` comes nearer the steady state at about
// 50 times the native time.
//
// Why: on these VMs a target's CPU time per request swings by up to 2x from minute to minute, while these counts are
// the same on any machine's speed. Two limits, so read them as a second opinion, not as the throughput ratio:
// - under valgrind every request runs about 50 times slower, so work that runs per unit of time rather than per
//   request (timers, time-paced GC) weighs more per request than it does natively; the counts vary by about ±5%
//   between runs (which part of that is per-time work was not isolated: the server with and without the default
//   metrics, whose event-loop-delay monitor is such a timer, were within that noise of each other);
// - counts are not time: natively idsrv's CPU time per request is further from bare than its instruction count, and
//   the L1 misses (instruction and data) are the part of the difference the instruction count leaves out.
// A diagnostic beside client-credentials.mjs, not a target. Needs valgrind (`apt-get install valgrind`); the whole
// run takes about 7 minutes.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/instructions.mjs [--requests 1500] [--warmup 1500]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BARE_TARGET, load, PROVIDER_ONLY_TARGET, start, startIdsrv } from './lib.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '1500' },
  },
});
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('instructions.mjs needs valgrind on the PATH (Debian: apt-get install valgrind).');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'idsrv-instructions-'));
const wrapFor = (file) => [
  'valgrind',
  '--tool=callgrind',
  '--cache-sim=yes',
  '--branch-sim=yes',
  // Nothing is counted until the warm-up is over and callgrind_control turns counting on.
  '--instr-atstart=no',
  `--callgrind-out-file=${join(dir, file)}.%p`,
  // valgrind's own messages, not the terminal.
  `--log-file=${join(dir, file)}.log`,
];

const targets = [
  BARE_TARGET,
  PROVIDER_ONLY_TARGET,
  {
    name: 'server, --no-metrics',
    file: 'server-no-metrics',
    path: '/connect/token',
    clientId: 'service.client',
    args: ['--no-metrics'],
  },
  { name: 'server', file: 'server', path: '/connect/token', clientId: 'service.client', args: [] },
];
const body = 'grant_type=client_credentials&scope=api1';
// Four connections: enough to keep the slowed-down server busy without autocannon timing requests out.
const connections = '4';
const results = [];
try {
  for (const target of targets) {
    const wrap = wrapFor(target.file);
    const { url, child } = target.script
      ? await start([target.script], {}, wrap)
      : await startIdsrv(['--no-watch', ...target.args], {}, wrap);
    try {
      const endpoint = `${url}${target.path}`;
      await load(endpoint, target.clientId, body, { connections, amount: values.warmup });
      execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
      const run = await load(endpoint, target.clientId, body, { connections, amount: values.requests });
      execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
      results.push({ name: target.name, ...perRequest(readDump(target.file, child.pid), run.requests) });
    } finally {
      child.kill('SIGKILL');
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The event totals of the dump `callgrind_control -d` wrote (`<file>.<pid>.1`), by event name. */
function readDump(file, pid) {
  const name = readdirSync(dir).find((f) => f === `${file}.${pid}.1`);
  if (!name) throw new Error(`no callgrind dump for ${file} (pid ${pid}) in ${dir}`);
  const text = readFileSync(join(dir, name), 'utf8');
  const events = /^events: (.+)$/m.exec(text)?.[1].split(' ');
  const totals = /^(?:totals|summary): (.+)$/m.exec(text)?.[1].split(' ').map(Number);
  if (!events || !totals) throw new Error(`${name}: no events/totals line`);
  return Object.fromEntries(events.map((event, i) => [event, totals[i] ?? 0]));
}

function perRequest(totals, requests) {
  const per = (n) => n / requests;
  return {
    requests,
    instructions: per(totals.Ir),
    l1Misses: per(totals.I1mr + totals.D1mr + totals.D1mw),
    llMisses: per(totals.ILmr + totals.DLmr + totals.DLmw),
    mispredicts: per(totals.Bcm + totals.Bim),
  };
}

const [bare] = results;
const k = (n) => `${(n / 1000).toFixed(1)}k`;
console.log(
  `${'per request'.padEnd(22)} ${'instructions'.padStart(12)} ${'L1 misses'.padStart(10)} ${'LL misses'.padStart(10)} ` +
    `${'mispredicts'.padStart(11)}   bare ÷ target: instructions, L1 misses`,
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(22)} ${k(r.instructions).padStart(12)} ${k(r.l1Misses).padStart(10)} ` +
      `${r.llMisses.toFixed(0).padStart(10)} ${k(r.mispredicts).padStart(11)}   ` +
      `${(bare.instructions / r.instructions).toFixed(3)}, ${(bare.l1Misses / r.l1Misses).toFixed(3)}` +
      `  (${r.requests} requests)`,
  );
}
