import { type ClientInput, defineApiScope, GrantTypes, sha256 } from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import {
  buildProviderConfiguration,
  createIdsrvProvider,
  DEFAULT_POLLING_INTERVAL,
  formatUserCode,
  generateSigningKey,
  installIdsrv,
} from '../src/index.ts';
import { serveProvider } from './serve.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** A public device client (a TV app); each test changes one thing. */
const device = (overrides: Partial<ClientInput> = {}): ClientInput => ({
  clientId: 'tv',
  requireClientSecret: false,
  allowedGrantTypes: GrantTypes.DeviceFlow,
  allowedScopes: ['api1'],
  ...overrides,
});

/** A real provider on a free loopback port, over a memory store. */
async function start(clients: ClientInput[]) {
  const store = createMemoryStore({ clients, apiScopes: [defineApiScope({ name: 'api1' })] });
  const { issuer } = await serveProvider(store);
  const post = async (path: string, body: Record<string, string>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${issuer}${path}`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const authorize = (clientId = 'tv', scope = 'api1') =>
    post('/connect/deviceauthorization', { client_id: clientId, scope });
  const poll = (deviceCode: string, clientId = 'tv') =>
    post('/connect/token', { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId });
  return { issuer, store, authorize, poll, post };
}

describe('device flow (RFC 8628)', () => {
  it("the device authorization response: IdentityServer's nine-digit user code, the default interval, DeviceCodeLifetime", async () => {
    const { issuer, authorize } = await start([device({ deviceCodeLifetime: 120 })]);
    const { status, body } = await authorize();
    expect(status).toBe(200);
    expect(body.user_code).toMatch(/^\d{9}$/);
    expect(body.interval).toBe(DEFAULT_POLLING_INTERVAL);
    expect(body.expires_in).toBe(120);
    expect(body.verification_uri).toBe(`${issuer}/device`);
    expect(body.verification_uri_complete).toBe(`${issuer}/device?user_code=${body.user_code}`);
    expect(typeof body.device_code).toBe('string');
  });

  it('discovery names the device authorization endpoint and the grant type', async () => {
    const { issuer } = await start([device()]);
    const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.device_authorization_endpoint).toBe(`${issuer}/connect/deviceauthorization`);
    expect(metadata.grant_types_supported).toContain(DEVICE_GRANT);
  });

  it("UserCodeType is per client: Base20 gives RFC 8628's eight letters beside a Numeric client", async () => {
    const { authorize } = await start([
      device({ clientId: 'tv.letters', userCodeType: 'Base20' }),
      device({ clientId: 'tv.digits', userCodeType: 'Numeric' }),
    ]);
    const letters = await authorize('tv.letters');
    const digits = await authorize('tv.digits');
    expect(letters.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(digits.body.user_code).toMatch(/^\d{9}$/);
  });

  it('PollingInterval is announced as interval', async () => {
    const { authorize } = await start([device({ pollingInterval: 2 })]);
    expect((await authorize()).body.interval).toBe(2);
  });

  it('polling a pending code: authorization_pending, then slow_down when polling again too soon', async () => {
    const { authorize, poll } = await start([device({ pollingInterval: 30 })]);
    const deviceCode = String((await authorize()).body.device_code);
    const first = await poll(deviceCode);
    expect(first).toEqual({ status: 400, body: expect.objectContaining({ error: 'authorization_pending' }) });
    const second = await poll(deviceCode);
    expect(second).toEqual({ status: 400, body: expect.objectContaining({ error: 'slow_down' }) });
    // Each code has its own clock: a second device of the same client is not slowed down by the first.
    const other = String((await authorize()).body.device_code);
    expect((await poll(other)).body.error).toBe('authorization_pending');
  });

  it('a poll after the interval is authorization_pending again', async () => {
    const { authorize, poll } = await start([device({ pollingInterval: 1 })]);
    const deviceCode = String((await authorize()).body.device_code);
    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
  });

  it('a client without the device grant gets unauthorized_client at the device authorization endpoint', async () => {
    const { post } = await start([
      device(),
      {
        clientId: 'svc',
        clientSecrets: [{ value: sha256('secret') }],
        allowedGrantTypes: GrantTypes.ClientCredentials,
        allowedScopes: ['api1'],
      },
    ]);
    const refused = await post(
      '/connect/deviceauthorization',
      { scope: 'api1' },
      { authorization: `Basic ${Buffer.from('svc:secret').toString('base64')}` },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unauthorized_client');
  });

  it('a client without the device grant gets unauthorized_client at the token endpoint', async () => {
    const { authorize, post } = await start([
      device(),
      {
        clientId: 'svc',
        clientSecrets: [{ value: sha256('secret') }],
        allowedGrantTypes: GrantTypes.ClientCredentials,
        allowedScopes: ['api1'],
      },
    ]);
    const deviceCode = String((await authorize()).body.device_code);
    const refused = await post(
      '/connect/token',
      { grant_type: DEVICE_GRANT, device_code: deviceCode },
      { authorization: `Basic ${Buffer.from('svc:secret').toString('base64')}` },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unauthorized_client');
  });

  it('an unknown device code is invalid_grant', async () => {
    const { poll } = await start([device()]);
    const { status, body } = await poll('not-a-device-code');
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('formatUserCode shows a stored code in its type’s form', () => {
    expect(formatUserCode('WDJBMJHT', 'Base20')).toBe('WDJB-MJHT');
    expect(formatUserCode('123456789', undefined)).toBe('123456789');
    expect(formatUserCode('WDJBMJHTXX', 'Base20')).toBe('WDJBMJHTXX');
  });
});

describe('installIdsrv without an adapter', () => {
  it('still answers slow_down, counting the polls in this process', async () => {
    const store = createMemoryStore({
      clients: [device({ pollingInterval: 30 })],
      apiScopes: [defineApiScope({ name: 'api1' })],
    });
    // installIdsrv without options: no adapter for the polls.
    const { issuer } = await serveProvider(store, {}, async (options) =>
      installIdsrv(new Provider(options.issuer, await buildProviderConfiguration(options))),
    );
    const post = async (path: string, body: Record<string, string>) => {
      const response = await fetch(`${issuer}${path}`, { method: 'POST', body: new URLSearchParams(body) });
      return (await response.json()) as Record<string, unknown>;
    };
    const { device_code } = await post('/connect/deviceauthorization', { client_id: 'tv', scope: 'api1' });
    const poll = { grant_type: DEVICE_GRANT, device_code: String(device_code), client_id: 'tv' };
    expect((await post('/connect/token', poll)).error).toBe('authorization_pending');
    expect((await post('/connect/token', poll)).error).toBe('slow_down');
  });
});

describe('deviceFlowFeature', () => {
  it('refuses a server-wide charset or mask, which would fight the clients’ UserCodeType', async () => {
    const store = createMemoryStore({ clients: [device()] });
    const options = {
      issuer: 'http://127.0.0.1:1',
      clients: store.clients,
      resources: store.resources,
      adapter: store.adapter,
      jwks: { keys: [(await generateSigningKey('ES256')) as never] },
    };
    await expect(
      createIdsrvProvider({ ...options, configuration: { features: { deviceFlow: { mask: '****' } } } }),
    ).rejects.toThrow('features.deviceFlow.mask cannot be set');
    await store.dispose();
  });
});
