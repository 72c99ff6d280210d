// What the benchmark scripts share: starting a server process, loading it with autocannon as a separate process,
// and reading a process's CPU time.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const autocannonBin = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));

/**
 * Starts `node ...args` and resolves once it prints `listening on http://…`. `wrap` runs node under another program
 * (`['valgrind', …flags]`).
 */
export function start(args, env = {}, wrap = []) {
  const [command, ...prefix] = [...wrap, process.execPath];
  const child = spawn(command, [...prefix, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let listening = false;
    child.stdout.on('data', (chunk) => {
      // Keep draining stdout (request logs), but hold on to it only until the server says where it listens.
      if (listening) return;
      out += chunk;
      const match = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (match) {
        listening = true;
        resolve({ url: match[1].replace('localhost', '127.0.0.1'), child });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

/**
 * Starts `node apps/server/dist/cli.js serve …args` on a free port with request logs off (`--log-level warn`: the
 * benchmarks measure the token service, not the log sink; metrics stay on, as by default) and resolves once
 * `/healthz` answers.
 */
export async function startIdsrv(args, env = {}, wrap = []) {
  const port = await freePort();
  const [command, ...prefix] = [...wrap, process.execPath];
  const child = spawn(
    command,
    [...prefix, cliPath, 'serve', '--port', String(port), '--log-level', 'warn', ...args],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } },
  );
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // A minute, or ten under another program (`wrap`): under valgrind startup alone takes a minute or more.
  const limitSeconds = wrap.length ? 600 : 60;
  for (let tries = 0; tries < limitSeconds * 10; tries++) {
    if (exited) throw new Error(`idsrv serve ${args.join(' ')} exited before it listened`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`idsrv serve ${args.join(' ')} did not answer /healthz within ${limitSeconds} s`);
}

/**
 * Seconds of load each target gets before anything is measured (`--warmup`). V8 tiers code up by how much of it runs,
 * not by time: under `-c 10` a bare oidc-provider on these VMs still sped up from 2 200 to 3 300 to 4 000 req/s over
 * its first three 4 s rounds (about 40 000 requests) and was steady only after that, with `--trace-opt` reporting
 * hundreds of functions optimized in the first rounds and a handful later. A target measured before it is steady reads
 * slower than it is, and the server, with more code to warm up, more so.
 */
export const WARMUP_SECONDS = '20';

const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/**
 * The two comparison targets that run as scripts of their own (`start`): the bare oidc-provider baseline and
 * `@idsrv/provider` alone. `file` names a target's output files; `script` is an absolute path.
 */
export const BARE_TARGET = {
  name: 'bare oidc-provider',
  file: 'bare',
  path: '/token',
  clientId: 'bench',
  script: fileURLToPath(new URL('./bare-provider.mjs', import.meta.url)),
};
export const PROVIDER_ONLY_TARGET = {
  name: '@idsrv/provider only',
  file: 'provider',
  path: '/connect/token',
  clientId: 'service.client',
  script: fileURLToPath(new URL('./provider-only.mjs', import.meta.url)),
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server without persistence on a free loopback port, resolved once it answers PING: `{ url, pid, stop() }`.
 */
export async function startBenchRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'idsrv-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  while (!(await ping(port))) await new Promise((resolve) => setTimeout(resolve, 25));
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      socket.end();
      resolve(String(data).startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

// CPU seconds a process has used (user + system), from /proc: unlike requests/s, CPU time per request is not
// distorted by other work on the machine, so the scripts print it beside the throughput ratio.
export const cpuSeconds = (pid) => statCpuSeconds(`/proc/${pid}/stat`);

/** The same for the process's main thread alone (where the JavaScript runs; not the thread pool, GC helpers, I/O). */
export const mainThreadCpuSeconds = (pid) => statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);

/** utime + stime of a /proc `stat` file, in seconds (the fields after the command name; clock ticks of 1/100 s). */
function statCpuSeconds(file) {
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * POSTs `body` to a token endpoint with Basic `clientId:secret` for `duration` seconds (or `amount` requests) over
 * `connections`; rejects on any non-2xx answer, so a broken setup cannot pass for a fast one.
 */
export function load(url, clientId, body, { connections, duration, amount }) {
  const auth = `Basic ${Buffer.from(`${clientId}:secret`).toString('base64')}`;
  const args = [
    autocannonBin,
    // `amount` (a request count) instead of `duration`, for a measurement that counts rather than times.
    ...['-c', connections, ...(amount ? ['-a', amount] : ['-d', duration]), '-m', 'POST', '--json'],
    ...[
      '-H',
      `authorization=${auth}`,
      '-H',
      'content-type=application/x-www-form-urlencoded',
      '-b',
      body,
      url,
    ],
  ];
  return runLoader(args, url);
}

/**
 * Runs a load generator (`node ...args`) that prints autocannon's JSON result, and resolves to its req/s, p99 and
 * request count; rejects on any non-2xx answer or error, so a broken setup cannot pass for a fast one.
 */
export function runLoader(args, url) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args[0]} exited with ${code}`));
      const result = JSON.parse(out);
      if (result.non2xx > 0 || result.errors > 0) {
        return reject(new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`));
      }
      resolve({ rps: result.requests.average, p99: result.latency.p99, requests: result.requests.total });
    });
  });
}
