import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Provider from 'oidc-provider';
import { expect, vi } from 'vitest';
import { loadServerConfiguration } from '../src/configuration.ts';
import type { RedisServerOptions } from '../src/redis.ts';
import { type RunningServer, startServer } from '../src/server.ts';

export const REDIS_CONFIG = fileURLToPath(new URL('./fixtures/redis/appsettings.json', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export const ALICE = '818727';
export const REDIRECT_URI = 'http://localhost:21402/signin-oidc';

/** A copy of `config` in a new temporary folder (the server writes nothing there on Redis, but tests may). */
export async function copyConfig(config: string = REDIS_CONFIG): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'idsrv-redis-e2e-')), 'appsettings.json');
  await cp(config, file);
  return file;
}

/** The real server, in this process, on Redis: its `provider` lets a test create codes as the login page would. */
export async function startRedisServer(
  file: string,
  redis: RedisServerOptions,
  issuerUri?: string,
): Promise<RunningServer> {
  const configuration = await loadServerConfiguration(file);
  return startServer({
    definitions: configuration.definitions,
    configFile: file,
    testUsers: configuration.testUsers,
    port: 0,
    host: '127.0.0.1',
    redis,
    ...(issuerUri ? { issuerUri } : {}),
  });
}

/** A `node dist/cli.js serve …` process; resolves with its URL once it listens. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export function spawnServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    out += chunk;
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        child.stdout!.off('data', onData);
        resolve({ url: match[1]!.replace('localhost', '127.0.0.1'), child, output: () => out, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/** Runs `node dist/cli.js …args` to completion. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** A form POST to `{base}{path}` with HTTP Basic client authentication (none for `client: null`). */
export async function post(
  base: string,
  path: string,
  form: Record<string, string>,
  client: [string, string] | null = ['web.client', 'secret'],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      // null: a public client, which names itself with `client_id` in the form.
      ...(client
        ? { authorization: `Basic ${Buffer.from(`${client[0]}:${client[1]}`).toString('base64')}` }
        : {}),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * What the login and consent pages leave behind once alice has signed in and approved `scope`: a Grant and an
 * authorization code with PKCE, created through `provider`'s own models (so stored by its adapter, in Redis).
 * Until the login pages land this stands in for the browser part of the code flow.
 */
export async function mintAuthorizationCode(
  provider: Provider,
  clientId = 'web.client',
  scope = 'openid profile offline_access',
): Promise<{ code: string; verifier: string; grantId: string }> {
  const { Grant, AuthorizationCode, Client } = provider as unknown as {
    Grant: new (init: object) => { addOIDCScope(s: string): void; save(): Promise<string> };
    AuthorizationCode: new (init: object) => { save(): Promise<string> };
    Client: { find(id: string): Promise<unknown> };
  };
  const grant = new Grant({ accountId: ALICE, clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const verifier = randomBytes(32).toString('base64url');
  const code = await new AuthorizationCode({
    client: await Client.find(clientId),
    accountId: ALICE,
    grantId,
    scope,
    redirectUri: REDIRECT_URI,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    authTime: Math.floor(Date.now() / 1000),
  }).save();
  return { code, verifier, grantId };
}

/** Redeems a code at `base`'s token endpoint. */
export function redeem(base: string, minted: { code: string; verifier: string }, clientId = 'web.client') {
  return post(
    base,
    '/connect/token',
    {
      grant_type: 'authorization_code',
      code: minted.code,
      code_verifier: minted.verifier,
      redirect_uri: REDIRECT_URI,
    },
    [clientId, 'secret'],
  );
}

export function refresh(base: string, refreshToken: string, clientId = 'web.client') {
  return post(base, '/connect/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, [
    clientId,
    'secret',
  ]);
}

export function clientCredentials(base: string, clientId = 'service.client') {
  return post(base, '/connect/token', { grant_type: 'client_credentials', scope: 'api1' }, [
    clientId,
    'secret',
  ]);
}

/**
 * Refreshes `refreshToken` (a reusable one) at `base` every 200 ms until it is served, while Redis fails over: every
 * answer before that must be a prompt, clean `503 server_error` (never a 500 or a hang; each request has 10 s).
 * Resolves with the last answer (200, unless `timeoutMs` ran out) and the statuses seen.
 */
export async function refreshUntilServed(
  base: string,
  refreshToken: string,
  clientId: string,
  timeoutMs = 30_000,
) {
  const seen: number[] = [];
  const deadline = Date.now() + timeoutMs;
  let last = await refresh(base, refreshToken, clientId);
  seen.push(last.status);
  while (last.status !== 200 && Date.now() < deadline) {
    expect(last.status, JSON.stringify(last.body)).toBe(503);
    expect(last.body.error).toBe('server_error');
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await refresh(base, refreshToken, clientId);
    seen.push(last.status);
  }
  return { last, seen };
}

/** A grant of reuse.client (whose refresh tokens are reusable, so a refresh that failed half-way can be sent again). */
export async function reusableGrant(server: { url: string; provider: Provider }) {
  const minted = await mintAuthorizationCode(server.provider, 'reuse.client');
  const tokens = await redeem(server.url, minted, 'reuse.client');
  expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  return { grantId: minted.grantId, refreshToken: String(tokens.body.refresh_token) };
}

/**
 * Everything works on `server`: a new grant, client_credentials, readiness — and the change subscription is live again
 * (`cache: 'live'`; while it is down every client lookup reads Redis), within 10 s.
 */
export async function expectServing(server: { url: string; provider: Provider }) {
  await reusableGrant(server);
  expect((await clientCredentials(server.url)).status).toBe(200);
  await expectCacheLive(server.url);
}

/** `/readyz` at `base` reports Redis up and the change subscription live (the client cache in use), within 10 s. */
export async function expectCacheLive(base: string) {
  await vi.waitFor(
    async () => {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ redis: { status: 'up', cache: 'live' } });
    },
    { timeout: 10_000, interval: 200 },
  );
}
