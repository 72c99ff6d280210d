// Throughput of idsrv on the Redis store (apps/server `serve --redis`) against a bare oidc-provider with one static
// client and its in-memory adapter (bench/bare-provider.mjs), measured in the same run, alternating rounds:
//   1. client_credentials, one client in Redis                target: >= 0.85 of bare oidc-provider
//   2. client_credentials with 100 000 clients in Redis       target: within 5% of the one-client figure
//   3. refresh_token (ReUse handle: find token + grant, store a new access token, sign an id_token), req/s reported
// 1 and 2 (and the same server on its memory store) are measured in the same alternating rounds, each instance on a
// Redis of its own (one holding 1 client, one holding 100 000), so that the machine's speed, which drifts by up to
// 2x over minutes on these VMs, weighs on every target alike. Ratios are taken round by round (each target against
// the bare baseline measured next to it) and printed as the median with the range over the rounds.
// Every process is separate (redis-server, idsrv, bare oidc-provider, autocannon); all share this machine's cores.
//
//   pnpm --filter @idsrv/server build && node apps/server/bench/redis.mjs [--duration 5] [--rounds 6] [--clients 100000] [--warmup 20]
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import {
  cpuSeconds,
  load as loadWith,
  start,
  startIdsrv,
  startBenchRedis as startRedis,
  WARMUP_SECONDS,
} from './lib.mjs';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '6' },
    connections: { type: 'string', default: '10' },
    clients: { type: 'string', default: '100000' },
    warmup: { type: 'string', default: WARMUP_SECONDS },
  },
});
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CONFIG = here('../test/fixtures/redis/appsettings.json');
const PREFIX = 'bench:';
const ALICE = '818727';
const REDIRECT_URI = 'http://localhost:21402/signin-oidc';

const oneRedis = await startRedis();
const manyRedis = await startRedis();

const load = (url, clientId, body) => loadWith(url, clientId, body, values);

async function measure(target) {
  const before = cpuSeconds(target.pid);
  const run = await load(target.url, target.clientId, target.body);
  run.cpuMsPerRequest = ((cpuSeconds(target.pid) - before) * 1000) / run.requests;
  target.runs.push(run);
}

/** A refresh token of reuse.client for alice, minted through a provider on the same Redis (what the login page leaves). */
async function mintRefreshToken(idsrvUrl, redisUrl) {
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
async function addClients(redisUrl, count) {
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

const idsrvOn = (redis) => startIdsrv(['--config', CONFIG, '--redis', redis.url, '--redis-prefix', PREFIX]);
const idsrv = await idsrvOn(oneRedis);
// Started before the clients are added: `serve` writes the configuration's clients, which the added ones copy.
const idsrvMany = await idsrvOn(manyRedis);
const keyspace = await addClients(manyRedis.url, Number(values.clients));
console.log(`added ${values.clients} clients to the second Redis (${keyspace})`);
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
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const rps = (t) => mean(t.runs.map((r) => r.rps));
const cpu = (t) => mean(t.runs.map((r) => r.cpuMsPerRequest));
const print = (t) =>
  console.log(
    `${t.name.padEnd(40)} ${rps(t).toFixed(0).padStart(6)} req/s  p99 ${mean(t.runs.map((r) => r.p99)).toFixed(1)} ms  server CPU ${cpu(t).toFixed(3)} ms/request`,
  );
/** `a / b` round by round, by req/s and by server CPU per request (b's CPU over a's), as "median (min–max)". */
const ratio = (a, b) => {
  const summary = (xs) =>
    `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
  const byRps = a.runs.map((run, i) => run.rps / b.runs[i].rps);
  const byCpu = a.runs.map((run, i) => b.runs[i].cpuMsPerRequest / run.cpuMsPerRequest);
  return `${summary(byRps)} by req/s, ${summary(byCpu)} by server CPU per request`;
};

async function rounds(targets) {
  // Warm-up (until V8 has optimized what the requests run; see WARMUP_SECONDS) and sanity check.
  for (const t of targets) await loadWith(t.url, t.clientId, t.body, { ...values, duration: values.warmup });
  for (let round = 0; round < Number(values.rounds); round++)
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) await measure(t);
}

try {
  const refreshToken = await mintRefreshToken(idsrv.url, oneRedis.url);
  const baseline = bareTarget('bare oidc-provider (memory), cc');
  const onMemory = {
    ...idsrvTarget('idsrv on memory store, cc'),
    url: `${memory.url}/connect/token`,
    pid: memory.child.pid,
  };
  const one = idsrvTarget('idsrv on Redis, cc, 1 client');
  const many = {
    ...idsrvTarget(`idsrv on Redis, cc, ${values.clients} clients`),
    url: `${idsrvMany.url}/connect/token`,
    pid: idsrvMany.child.pid,
  };
  const rt = idsrvTarget(
    'idsrv on Redis, refresh_token',
    'reuse.client',
    `grant_type=refresh_token&refresh_token=${refreshToken}`,
  );
  await rounds([baseline, onMemory, one, many]);
  // Last, so that whatever the refresh phase leaves behind (records in Redis, garbage in the server's heap) cannot
  // weigh on the client_credentials comparison.
  await rounds([rt]);

  console.log(
    `\n-c ${values.connections} -d ${values.duration} s, ${values.rounds} rounds each, alternating; ratios taken round by round: median (range)`,
  );
  for (const t of [baseline, onMemory, one, many, rt]) print(t);
  console.log(
    `client_credentials, idsrv on Redis (1 client) / bare: ${ratio(one, baseline)}  (target >= 0.85)`,
  );
  console.log(`client_credentials, idsrv on memory store / bare:     ${ratio(onMemory, baseline)}`);
  console.log(`client_credentials, Redis store / memory store:       ${ratio(one, onMemory)}`);
  console.log(
    `client_credentials, ${values.clients} clients / 1 client: ${ratio(many, one)}  (target >= 0.95)`,
  );
  console.log(`refresh_token on Redis: ${rps(rt).toFixed(0)} req/s`);
} finally {
  for (const child of [idsrv.child, idsrvMany.child, bare.child, memory.child]) child.kill();
  oneRedis.stop();
  manyRedis.stop();
}
