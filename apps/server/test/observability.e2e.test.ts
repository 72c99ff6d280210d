import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import type { RunningServer } from '../src/server.ts';
import { startTestServer, tokenRequest } from './helpers.ts';

// What must never reach a log line: the client secret, its stored hash, the Basic credentials made of it.
const SECRET = 'secret';
const SECRET_HASH = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=';
const WRONG_SECRET = 'wr0ng-s3cr3t-value';

/** A pino destination that keeps every line in memory, parsed. */
function memoryDestination() {
  const raw: string[] = [];
  return {
    raw,
    write(line: string) {
      raw.push(line);
    },
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** The value of one sample of the Prometheus text exposition, or undefined when there is no such sample. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

async function relyingParty(server: RunningServer, clientId: string, secret: string) {
  return oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.ClientSecretBasic(secret), {
    execute: [oidc.allowInsecureRequests],
  });
}

// Generous: the machine running the tests may be busy.
describe('logs and metrics on the main port', { timeout: 60_000 }, () => {
  let server: RunningServer;
  const logs = memoryDestination();
  let accessToken: string;

  beforeAll(async () => {
    server = await startTestServer(undefined, {
      // debug: the most that is ever logged per request (probes included) must still carry no secret.
      logger: createLogger({ level: 'debug', format: 'json', destination: logs }),
    });
    const rp = await relyingParty(server, 'service.client', SECRET);
    accessToken = (await oidc.clientCredentialsGrant(rp, { scope: 'api1' })).access_token;
    const wrong = await relyingParty(server, 'service.client', WRONG_SECRET);
    await expect(oidc.clientCredentialsGrant(wrong, { scope: 'api1' })).rejects.toMatchObject({
      status: 401,
      cause: [{ parameters: { error: 'invalid_client' } }],
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  const tokenLines = () => logs.lines().filter((line) => line.route === 'token');

  it('a successful token request - one line with request id, client, grant type, outcome and duration', () => {
    const line = tokenLines().find((l) => l.status === 200);
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/connect/token',
      route: 'token',
      status: 200,
      client_id: 'service.client',
      grant_type: 'client_credentials',
      outcome: 'success',
      msg: 'POST /connect/token 200',
    });
    expect(line?.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(line?.duration_ms).toEqual(expect.any(Number));
    expect(line?.duration_ms as number).toBeGreaterThan(0);
    expect(line?.time).toEqual(expect.any(String));
    expect(line).not.toHaveProperty('error');
  });

  it('a bad secret - the line says invalid_client for the known client, as the client was told', () => {
    const line = tokenLines().find((l) => l.status === 401);
    expect(line).toMatchObject({
      status: 401,
      client_id: 'service.client',
      grant_type: 'client_credentials',
      outcome: 'error',
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    expect(line?.request_id).not.toBe(tokenLines().find((l) => l.status === 200)?.request_id);
  });

  it('an X-Request-Id that is sane is kept, echoed and logged; any other is replaced by a new id', async () => {
    const kept = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-4bf92f35.77' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-4bf92f35.77');
    const forged = 'x", "level": "fatal';
    const replaced = await fetch(`${server.url}/.well-known/openid-configuration`, {
      headers: { 'x-request-id': forged },
    });
    const id = replaced.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.lines().find((l) => l.request_id === 'trace-4bf92f35.77')).toMatchObject({
      level: 'debug',
      route: 'healthz',
      status: 200,
    });
    expect(logs.lines().find((l) => l.request_id === id)).toMatchObject({ route: 'discovery', status: 200 });
    expect(logs.raw.join('')).not.toContain('"level": "fatal');
    const tooLong = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'a'.repeat(129) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("the error logged and counted is the one the client got, after idsrv's rewriting (unauthorized_client)", async () => {
    const response = await tokenRequest(
      server,
      {
        grant_type: 'authorization_code',
        code: 'code-value-that-must-not-be-logged',
        redirect_uri: 'http://localhost/cb',
      },
      { basic: ['service.client', SECRET] },
    );
    expect(response.body.error).toBe('unauthorized_client');
    const line = logs.lines().find((l) => l.request_id === response.headers.get('x-request-id'));
    expect(line).toMatchObject({
      status: 400,
      grant_type: 'authorization_code',
      client_id: 'service.client',
      error: 'unauthorized_client',
      outcome: 'error',
    });
    expect(logs.raw.join('')).not.toContain('code-value-that-must-not-be-logged');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(
      sample(metrics, 'idsrv_oauth_errors_total', { endpoint: 'token', error: 'unauthorized_client' }),
    ).toBe(1);
    expect(
      sample(metrics, 'idsrv_oauth_errors_total', { endpoint: 'token', error: 'invalid_request' }),
    ).toBeUndefined();
  });

  it('an unknown client id is neither logged nor made a metric label', async () => {
    const response = await fetch(`${server.issuer}/connect/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('no.such.client:whatever').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(response.status).toBe(401);
    const id = response.headers.get('x-request-id');
    const line = logs.lines().find((l) => l.request_id === id);
    expect(line).toMatchObject({ status: 401, error: 'invalid_client', outcome: 'error' });
    expect(line).not.toHaveProperty('client_id');
    expect(logs.raw.join('')).not.toContain('no.such.client');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).not.toContain('no.such.client');
  });

  it('authorize and end-session requests are logged without their query string (codes, state, id_token_hint)', async () => {
    const query = new URLSearchParams({
      client_id: 'service.client',
      response_type: 'code',
      scope: 'openid',
      state: 'state-value-that-must-not-be-logged',
      redirect_uri: 'https://rp.example/cb',
    });
    const authorize = await fetch(`${server.issuer}/connect/authorize?${query}`, { redirect: 'manual' });
    const line = logs.lines().find((l) => l.request_id === authorize.headers.get('x-request-id'));
    expect(line).toMatchObject({ path: '/connect/authorize', route: 'authorization', outcome: 'error' });
    expect(line?.error).toEqual(expect.stringMatching(/^[a-z_]+$/));
    const logout = await fetch(`${server.issuer}/connect/endsession?id_token_hint=${accessToken}`, {
      redirect: 'manual',
    });
    const logoutLine = logs.lines().find((l) => l.request_id === logout.headers.get('x-request-id'));
    expect(logoutLine).toMatchObject({ path: '/connect/endsession', route: 'end_session' });
    expect(logs.raw.join('')).not.toContain('state-value-that-must-not-be-logged');
  });

  it('no log line carries the secret, its hash, the Authorization header or the access token', () => {
    const all = logs.raw.join('');
    expect(tokenLines().length).toBeGreaterThanOrEqual(3);
    expect(all.toLowerCase()).not.toContain(SECRET);
    expect(all).not.toContain(SECRET_HASH);
    expect(all).not.toContain(WRONG_SECRET);
    expect(all).not.toContain(Buffer.from(`service.client:${SECRET}`).toString('base64'));
    expect(all).not.toContain(Buffer.from(`service.client:${WRONG_SECRET}`).toString('base64'));
    expect(all.toLowerCase()).not.toContain('basic ');
    expect(all).not.toContain(accessToken);
    // Nor any part of the token (its signature alone would be a leak).
    for (const part of accessToken.split('.')) expect(all).not.toContain(part);
  });

  it('/metrics counts the token, the invalid_client error, the request latency and the store calls', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(
      sample(text, 'idsrv_tokens_issued_total', {
        grant_type: 'client_credentials',
        client_id: 'service.client',
      }),
    ).toBe(1);
    expect(text).toContain(
      'idsrv_tokens_issued_total{grant_type="client_credentials",client_id="service.client"} 1',
    );
    // The bad secret and the unknown client.
    expect(sample(text, 'idsrv_oauth_errors_total', { endpoint: 'token', error: 'invalid_client' })).toBe(2);
    // The memory store's size against its cap, and its sessions (none: nobody signed in).
    expect(sample(text, 'idsrv_memory_store_max_records')).toBe(100_000);
    expect(sample(text, 'idsrv_memory_store_records')).toEqual(expect.any(Number));
    expect(sample(text, 'idsrv_active_sessions')).toBe(0);
    expect(
      sample(text, 'idsrv_http_request_duration_seconds_count', {
        route: 'token',
        method: 'POST',
        status: '200',
      }),
    ).toBe(1);
    expect(
      sample(text, 'idsrv_http_request_duration_seconds_count', {
        route: 'token',
        method: 'POST',
        status: '401',
      }),
    ).toBe(2);
    expect(
      sample(text, 'idsrv_store_operation_duration_seconds_count', {
        model: 'Client',
        operation: 'findClientById',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, 'idsrv_store_operation_duration_seconds_count', { model: 'Resource' }),
    ).toBeGreaterThan(0);
    // prom-client's default process metrics.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // Routes are endpoint names, never raw paths.
    expect(text).not.toMatch(/route="\//);
  });

  it('another token counts once more, and /metrics itself is no protocol request', async () => {
    const rp = await relyingParty(server, 'service.client', SECRET);
    await oidc.clientCredentialsGrant(rp, { scope: 'api1' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(
      sample(text, 'idsrv_tokens_issued_total', {
        grant_type: 'client_credentials',
        client_id: 'service.client',
      }),
    ).toBe(2);
    expect(sample(text, 'idsrv_oauth_errors_total', { endpoint: 'metrics' })).toBeUndefined();
  });
});

describe('metrics on a separate port', { timeout: 60_000 }, () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer(undefined, {
      metrics: { metrics: createMetrics({ clientIdLabel: false }), port: 0 },
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('serves /metrics on its own port only, and without client ids when asked', async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/localhost:\d+\/metrics$/);
    expect(server.metricsUrl).not.toContain(new URL(server.url).port);
    const rp = await relyingParty(server, 'service.client', SECRET);
    await oidc.clientCredentialsGrant(rp, { scope: 'api1' });

    const text = await (await fetch(server.metricsUrl!)).text();
    expect(
      sample(text, 'idsrv_tokens_issued_total', { grant_type: 'client_credentials', client_id: '' }),
    ).toBe(1);
    expect(text).not.toContain('service.client');

    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(server.metricsUrl!.replace('/metrics', '/healthz'))).status).toBe(404);
    expect((await fetch(server.metricsUrl!, { method: 'POST' })).status).toBe(405);
  });

  it('closes the metrics port with the server', async () => {
    const url = server.metricsUrl!;
    await server.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('metrics off', { timeout: 60_000 }, () => {
  it('metrics: false - no /metrics anywhere; request ids still echoed', async () => {
    const server = await startTestServer(undefined, { metrics: false });
    try {
      expect(server.metricsUrl).toBeUndefined();
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('the memory store cap', { timeout: 60_000 }, () => {
  it('memory.maxEntries (--memory-max-entries) - the store holds at most that many records, and the gauges show it', async () => {
    const server = await startTestServer(
      `${import.meta.dirname}/fixtures/reference-tokens/appsettings.json`,
      {
        memory: { maxEntries: 5 },
      },
    );
    try {
      // Each reference token is a record in the store; twelve of them against a cap of five.
      for (let i = 0; i < 12; i++) {
        const response = await tokenRequest(
          server,
          { grant_type: 'client_credentials', scope: 'api1' },
          { basic: ['reference.client', SECRET] },
        );
        expect(response.status).toBe(200);
      }
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(sample(text, 'idsrv_memory_store_max_records')).toBe(5);
      expect(sample(text, 'idsrv_memory_store_records')).toBeLessThanOrEqual(5);
      expect(sample(text, 'idsrv_memory_store_evicted')).toBeGreaterThanOrEqual(7);
    } finally {
      await server.close();
    }
  });
});

describe('a store outage', { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let server: RunningServer;
  const logs = memoryDestination();

  beforeAll(async () => {
    redis = await startRedis();
    server = await startTestServer(undefined, {
      redis: { url: redis.url, keyPrefix: 'observability:' },
      logger: createLogger({ level: 'info', format: 'json', destination: logs }),
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  }, 60_000);

  it('a request that fails on the store - an error line with the error, the request line, server_error counted', async () => {
    expect(
      (
        await tokenRequest(
          server,
          { grant_type: 'client_credentials' },
          { basic: ['service.client', SECRET] },
        )
      ).status,
    ).toBe(200);
    await redis.halt();
    try {
      const failed = await tokenRequest(
        server,
        { grant_type: 'client_credentials' },
        { basic: ['service.client', SECRET] },
      );
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(failed.body.error).toBe('server_error');
      const id = failed.headers.get('x-request-id');
      const lines = logs.lines().filter((l) => l.request_id === id);
      const request = lines.find((l) => l.route === 'token' && l.status === failed.status);
      expect(request).toMatchObject({ level: 'error', outcome: 'error', error: 'server_error' });
      const error = lines.find((l) => l.err !== undefined) as
        | { level: string; err: Record<string, unknown> }
        | undefined;
      expect(error?.level).toBe('error');
      expect(error?.err).toMatchObject({
        type: expect.any(String),
        message: expect.any(String),
        stack: expect.any(String),
      });
      // Only type, message, code, stack and cause: never what a Redis error carries besides (its command and keys).
      expect(
        Object.keys(error!.err).every((key) => ['type', 'message', 'code', 'stack', 'cause'].includes(key)),
      ).toBe(true);
      expect(logs.raw.join('')).not.toContain(SECRET_HASH);
    } finally {
      await redis.resume();
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(metrics, 'idsrv_oauth_errors_total', { endpoint: 'token', error: 'server_error' })).toBe(1);
    expect(
      sample(metrics, 'idsrv_store_operation_duration_seconds_count', {
        model: 'Client',
        operation: 'findClientById',
      }),
    ).toBeGreaterThan(0);
  });
});
