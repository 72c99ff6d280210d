// client_credentials throughput: apps/server with its default configuration against a bare oidc-provider with one
// static client (bench/bare-provider.mjs), same signing algorithm, measured in the same run, alternating rounds.
// Prints requests/s and p99 for each and the ratio idsrv / bare. Target: ratio >= 0.95.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/client-credentials.mjs [--duration 10] [--rounds 2]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
  },
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const autocannonBin = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));

function start(args, env = {}) {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1].replace('localhost', '127.0.0.1'), child });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

// CPU seconds a process has used (user + system), from /proc: unlike requests/s, CPU time per request is not
// distorted by other work on the machine, so it is printed beside the throughput ratio.
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function load(url, clientId) {
  const auth = `Basic ${Buffer.from(`${clientId}:secret`).toString('base64')}`;
  const args = [
    autocannonBin,
    '-c',
    values.connections,
    '-d',
    values.duration,
    '-m',
    'POST',
    '--json',
    '-H',
    `authorization=${auth}`,
    '-H',
    'content-type=application/x-www-form-urlencoded',
    '-b',
    'grant_type=client_credentials&scope=api1',
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const result = JSON.parse(out);
      if (result.non2xx > 0 || result.errors > 0)
        return reject(new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`));
      resolve({ rps: result.requests.average, p99: result.latency.p99, requests: result.requests.total });
    });
  });
}

const idsrv = await start([here('../dist/cli.js'), 'serve', '--port', '0']);
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
