// Throughput of idsrv on the Redis store (apps/server `serve --redis`) against a bare oidc-provider with one static
// client and its in-memory adapter (bench/bare-provider.mjs), measured in the same run, alternating rounds:
//   1. client_credentials, one client in Redis               target: >= 0.85 of bare oidc-provider
//   2. client_credentials again with 100 000 clients in Redis target: within 5% of the one-client figure
//   3. refresh_token (ReUse handle: find token + grant, store a new access token, sign an id_token), req/s reported
// Every process is separate (redis-server, idsrv, bare oidc-provider, autocannon); all share this machine's cores.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/redis.mjs [--duration 10] [--rounds 2] [--clients 100000]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { cpuSeconds, load as loadWith, start, startIdsrv } from './lib.mjs';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    clients: { type: 'string', default: '100000' },
  },
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CONFIG = here('../test/fixtures/redis/appsettings.json');
const PREFIX = 'bench:';
const ALICE = '818727';
const REDIRECT_URI = 'http://localhost:21402/signin-oidc';

// --- redis-server, on a free port, waited for by PING ---
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const ping = (port) =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.end();
      resolve(String(d).startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
const redisPort = await freePort();
const redisDir = mkdtempSync(join(tmpdir(), 'idsrv-bench-redis-'));
const redisServer = spawn(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
  { stdio: 'ignore' },
);
while (!(await ping(redisPort))) await new Promise((r) => setTimeout(r, 25));
const redisUrl = `redis://127.0.0.1:${redisPort}`;

const load = (url, clientId, body) => loadWith(url, clientId, body, values);

async function measure(target) {
  const before = cpuSeconds(target.pid);
  const run = await load(target.url, target.clientId, target.body);
  run.cpuMsPerRequest = ((cpuSeconds(target.pid) - before) * 1000) / run.requests;
  target.runs.push(run);
}

/** A refresh token of reuse.client for alice, minted through a provider on the same Redis (what the login page leaves). */
async function mintRefreshToken(idsrvUrl) {
  const { loadServerConfiguration, startServer } = await import('../dist/index.js');
  const configuration = await loadServerConfiguration(CONFIG);
  const minter = await startServer({
    definitions: configuration.definitions,
    configFile: CONFIG,
    testUsers: configuration.testUsers,
    port: 0,
    host: '127.0.0.1',
    redis: { url: redisUrl, keyPrefix: PREFIX },
  });
  try {
    const { Grant, AuthorizationCode, Client } = minter.provider;
    const grant = new Grant({ accountId: ALICE, clientId: 'reuse.client' });
    grant.addOIDCScope('openid profile offline_access');
    const grantId = await grant.save();
    const verifier = randomBytes(32).toString('base64url');
    const code = await new AuthorizationCode({
      client: await Client.find('reuse.client'),
      accountId: ALICE,
      grantId,
      scope: 'openid profile offline_access',
      redirectUri: REDIRECT_URI,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
      authTime: Math.floor(Date.now() / 1000),
    }).save();
    const response = await fetch(`${idsrvUrl}/connect/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('reuse.client:secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      }),
    });
    const tokens = await response.json();
    if (!tokens.refresh_token) throw new Error(`no refresh token: ${JSON.stringify(tokens)}`);
    return tokens.refresh_token;
  } finally {
    await minter.close();
  }
}

/** Writes `count` valid client definitions straight into Redis (pipelined), as `clients import` would store them. */
async function addClients(count) {
  const redis = new Redis(redisUrl);
  const template = JSON.parse((await redis.get(`${PREFIX}client:service.client`)) ?? '{}');
  for (let start = 0; start < count; start += 5000) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(count, start + 5000); i++) {
      const id = `bench.client.${i}`;
      pipeline.set(`${PREFIX}client:${id}`, JSON.stringify({ ...template, clientId: id }));
    }
    await pipeline.exec();
  }
  const info = await redis.info('keyspace');
  redis.disconnect();
  return info.trim().split('\n').pop();
}

const idsrv = await startIdsrv(['--config', CONFIG, '--redis', redisUrl, '--redis-prefix', PREFIX]);
const bare = await start([here('./bare-provider.mjs')]);
// The same server on its memory store, for what Redis itself costs (the rest is idsrv's bridge).
const memory = await startIdsrv(['--config', CONFIG, '--no-watch']);
const cc = 'grant_type=client_credentials&scope=api1';
const bareTarget = (name) => ({
  name,
  url: `${bare.url}/token`,
  clientId: 'bench',
  body: cc,
  pid: bare.child.pid,
  runs: [],
});
const idsrvTarget = (name, clientId = 'service.client', body = cc) => ({
  name,
  url: `${idsrv.url}/connect/token`,
  clientId,
  body,
  pid: idsrv.child.pid,
  runs: [],
});

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rps = (t) => mean(t.runs.map((r) => r.rps));
const cpu = (t) => mean(t.runs.map((r) => r.cpuMsPerRequest));
const print = (t) =>
  console.log(
    `${t.name.padEnd(40)} ${rps(t).toFixed(0).padStart(6)} req/s  p99 ${mean(t.runs.map((r) => r.p99)).toFixed(1)} ms  server CPU ${cpu(t).toFixed(3)} ms/request`,
  );

async function rounds(targets) {
  for (const t of targets) await load(t.url, t.clientId, t.body); // warm-up and sanity check
  for (let round = 0; round < Number(values.rounds); round++)
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) await measure(t);
}

try {
  const refreshToken = await mintRefreshToken(idsrv.url);
  const bare1 = bareTarget('bare oidc-provider (memory), cc');
  const one = idsrvTarget('idsrv on Redis, cc, 1 client');
  const onMemory = {
    ...idsrvTarget('idsrv on memory store, cc'),
    url: `${memory.url}/connect/token`,
    pid: memory.child.pid,
  };
  const rt = idsrvTarget(
    'idsrv on Redis, refresh_token',
    'reuse.client',
    `grant_type=refresh_token&refresh_token=${refreshToken}`,
  );
  await rounds([bare1, onMemory, one]);

  const keyspace = await addClients(Number(values.clients));
  console.log(`added ${values.clients} clients to Redis (${keyspace})`);
  const bare2 = bareTarget('bare oidc-provider (memory), cc');
  const many = idsrvTarget(`idsrv on Redis, cc, ${values.clients} clients`);
  await rounds([bare2, many]);
  // Last, so that whatever the refresh phase leaves behind (records in Redis, garbage in the server's heap) cannot
  // weigh on the client_credentials comparison.
  await rounds([rt]);

  console.log(
    `\n-c ${values.connections} -d ${values.duration} s, ${values.rounds} rounds each, alternating`,
  );
  for (const t of [bare1, onMemory, one, bare2, many, rt]) print(t);
  console.log(
    `client_credentials, 1 client:  idsrv/bare ${(rps(one) / rps(bare1)).toFixed(3)} by req/s (target >= 0.85), ` +
      `${(cpu(bare1) / cpu(one)).toFixed(3)} by server CPU per request`,
  );
  console.log(
    `client_credentials, Redis store / memory store: ${(rps(one) / rps(onMemory)).toFixed(3)} by req/s, ` +
      `${(cpu(onMemory) / cpu(one)).toFixed(3)} by server CPU per request`,
  );
  console.log(
    `client_credentials, ${values.clients} clients: idsrv/bare ${(rps(many) / rps(bare2)).toFixed(3)} by req/s; ` +
      `vs 1 client ${(rps(many) / rps(one)).toFixed(3)} by req/s, ${(cpu(one) / cpu(many)).toFixed(3)} by server CPU per request, ` +
      `${(rps(many) / rps(bare2) / (rps(one) / rps(bare1))).toFixed(3)} by req/s and ` +
      `${(cpu(bare2) / cpu(many) / (cpu(bare1) / cpu(one))).toFixed(3)} by server CPU, each relative to the bare ` +
      'baseline of its own phase (target >= 0.95)',
  );
  console.log(`refresh_token on Redis: ${rps(rt).toFixed(0)} req/s`);
} finally {
  idsrv.child.kill();
  bare.child.kill();
  memory.child.kill();
  redisServer.kill();
  rmSync(redisDir, { recursive: true, force: true });
}
