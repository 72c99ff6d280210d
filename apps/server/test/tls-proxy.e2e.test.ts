import { request as httpsRequest } from 'node:https';
import { selfSignedCertificate } from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from './helpers.ts';
import { type CliServer, connectOutcome, spawnServe, tempConfig } from './lifecycle-helpers.ts';

vi.setConfig({ testTimeout: 60_000 });

/** An HTTPS request that trusts only `ca`. */
function httpsFetch(
  url: string,
  ca: Buffer | undefined,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      ...(ca ? { ca } : {}),
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('serve --tls-cert/--tls-key: TLS terminated by idsrv', () => {
  let server: CliServer;
  let ca: Buffer;

  beforeAll(async () => {
    const certificate = await selfSignedCertificate();
    ca = certificate.ca;
    server = await spawnServe(
      ['--config', await tempConfig(DEFAULT_CONFIG), '--port', '0', '--tls-cert', certificate.cert],
      // The key through its environment variable, as a container would pass it.
      { IDSRV_TLS_KEY: certificate.key },
    );
  }, 60_000);
  afterAll(() => server?.kill());

  it('discovery and the token endpoint answer over HTTPS; the issuer is https', async () => {
    expect(server.url).toMatch(/^https:\/\/localhost:\d+$/);
    const discovery = JSON.parse(
      (await httpsFetch(`${server.url}/.well-known/openid-configuration`, ca)).body,
    );
    expect(discovery.issuer).toBe(server.url);
    expect(discovery.token_endpoint).toBe(`${server.url}/connect/token`);

    const issued = await httpsFetch(discovery.token_endpoint, ca, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('service.client:secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=api1',
    });
    expect(issued.status, issued.body).toBe(200);
    expect(JSON.parse(issued.body)).toMatchObject({ token_type: 'Bearer' });
  });

  it('the certificate is the one given: a client without its CA refuses it; plain HTTP gets no answer', async () => {
    await expect(httpsFetch(`${server.url}/healthz`, undefined)).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(await connectOutcome(server.port)).not.toBe('connected');
  });

  it('--tls-cert without --tls-key - refused with a message, exit 1', async () => {
    const certificate = await selfSignedCertificate();
    await expect(
      spawnServe([
        '--config',
        await tempConfig(DEFAULT_CONFIG),
        '--port',
        '0',
        '--tls-cert',
        certificate.cert,
      ]),
    ).rejects.toThrow(/exited with 1: [\s\S]*--tls-cert and --tls-key go together/);
  });
});

// IdentityServer's interactive sample client: an authorize request that sets oidc-provider's interaction cookies.
const AUTHORIZE =
  '/connect/authorize?client_id=interactive&response_type=code&scope=openid%20profile' +
  '&redirect_uri=http%3A%2F%2Flocalhost%3A21402%2Fsignin-oidc' +
  '&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';

async function authorizeCookies(base: string): Promise<string[]> {
  const response = await fetch(`${base}${AUTHORIZE}`, {
    redirect: 'manual',
    // What a TLS-terminating proxy in front of idsrv adds.
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test' },
  });
  expect(response.status).toBe(303);
  return response.headers.getSetCookie();
}

async function discoveryVia(base: string) {
  const response = await fetch(`${base}/.well-known/openid-configuration`, {
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test' },
  });
  return (await response.json()) as { issuer: string; token_endpoint: string };
}

describe('serve --trust-proxy: behind a TLS-terminating proxy', () => {
  const servers: CliServer[] = [];
  afterAll(() => {
    for (const server of servers) server.kill();
  });

  async function start(...args: string[]) {
    const server = await spawnServe(['--config', await tempConfig(DEFAULT_CONFIG), '--port', '0', ...args], {
      // Behind a proxy the issuer is configured: idsrv does not derive it from forwarded headers.
      IdentityServer__IssuerUri: 'https://id.example.test',
    });
    servers.push(server);
    return server;
  }

  it('X-Forwarded-Proto/-Host are trusted - Secure session cookies, endpoints at the public URL, the configured issuer', async () => {
    const server = await start('--trust-proxy');
    const cookies = await authorizeCookies(server.url);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('; secure');

    const discovery = await discoveryVia(server.url);
    expect(discovery.issuer).toBe('https://id.example.test');
    // Endpoint URLs follow the request as the proxy forwarded it (as IdentityServer's do), the issuer does not.
    expect(discovery.token_endpoint).toBe('https://id.example.test/connect/token');
  });

  it('without --trust-proxy the same headers are ignored - cookies are not Secure, endpoints at the address reached', async () => {
    const server = await start();
    const cookies = await authorizeCookies(server.url);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).not.toContain('; secure');

    const discovery = await discoveryVia(server.url);
    expect(discovery.issuer).toBe('https://id.example.test');
    expect(discovery.token_endpoint).toBe(`${server.url}/connect/token`);
  });
});
