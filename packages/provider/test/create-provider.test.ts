import { type ClientInput, defineApiResource, defineApiScope, GrantTypes, sha256 } from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { IdsrvProviderOptions } from '../src/index.ts';
import { serveProvider } from './serve.ts';

const service = (overrides: Partial<ClientInput> = {}): ClientInput => ({
  clientId: 'svc',
  clientSecrets: [{ value: sha256('secret') }],
  allowedGrantTypes: GrantTypes.ClientCredentials,
  allowedScopes: ['api1', 'api2'],
  ...overrides,
});

/** A real provider on a free loopback port, over a memory store. */
async function start(clients: ClientInput[], options: Partial<IdsrvProviderOptions> = {}) {
  const store = createMemoryStore({
    clients,
    apiScopes: [defineApiScope({ name: 'api1' }), defineApiScope({ name: 'api2' })],
    apiResources: [defineApiResource({ name: 'urn:api1', scopes: ['api1'] })],
  });
  const { issuer } = await serveProvider(store, options);
  const token = async (body: Record<string, string>, secret = 'secret', id = 'svc') => {
    const response = await fetch(`${issuer}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
      body: new URLSearchParams(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  return { issuer, store, token };
}

describe('createIdsrvProvider', () => {
  it('a store without the optional synchronous lookups (findCachedClient, cachedQueries) gets the same answers through its async ones', async () => {
    const store = createMemoryStore({
      clients: [service()],
      apiScopes: [defineApiScope({ name: 'api1' }), defineApiScope({ name: 'api2' })],
      apiResources: [defineApiResource({ name: 'urn:api1', scopes: ['api1'] })],
    });
    const { findCachedClient: _client, ...asyncClients } = store.clients;
    const { cachedQueries: _queries, ...asyncResources } = store.resources;
    const { issuer } = await serveProvider(store, { clients: asyncClients, resources: asyncResources });
    const token = async (body: Record<string, string>) => {
      const response = await fetch(`${issuer}/connect/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('svc:secret').toString('base64')}` },
        body: new URLSearchParams(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    for (let i = 0; i < 2; i++) {
      const { status, body } = await token({ grant_type: 'client_credentials', scope: 'api1' });
      expect(status).toBe(200);
      expect(decodeJwt(body.access_token!).aud).toBe('urn:api1');
    }
    const named = await token({ grant_type: 'client_credentials', resource: 'urn:api1' });
    expect(decodeJwt(named.body.access_token!).aud).toBe('urn:api1');
    expect((await token({ grant_type: 'client_credentials', resource: 'urn:nope' })).body.error).toBe(
      'invalid_target',
    );
    expect((await token({ grant_type: 'client_credentials', scope: 'api3' })).body.error).toBe(
      'invalid_scope',
    );
    await store.clients.putClient({ ...(await store.clients.findClientById('svc'))!, enabled: false });
    expect((await token({ grant_type: 'client_credentials' })).body.error).toBe('invalid_client');
  });

  it('the client store is the single source of truth: disabling a client takes effect on the next request', async () => {
    const { store, token } = await start([service()]);
    expect((await token({ grant_type: 'client_credentials' })).status).toBe(200);
    await store.clients.putClient({ ...(await store.clients.findClientById('svc'))!, enabled: false });
    const refused = await token({ grant_type: 'client_credentials' });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it('a secret added to the stored client works at once, and a removed one stops working', async () => {
    const { store, token } = await start([service()]);
    const current = (await store.clients.findClientById('svc'))!;
    await store.clients.putClient({
      ...current,
      clientSecrets: [{ value: sha256('rotated'), type: 'SharedSecret' }],
    });
    expect((await token({ grant_type: 'client_credentials' }, 'rotated')).status).toBe(200);
    expect((await token({ grant_type: 'client_credentials' }, 'secret')).status).toBe(401);
  });

  it('aud is {issuer}/resources when no API resource claims the scope', async () => {
    const { issuer, token } = await start([service()]);
    const { body } = await token({ grant_type: 'client_credentials', scope: 'api2' });
    expect(decodeJwt(body.access_token!).aud).toBe(`${issuer}/resources`);
  });

  it('emitStaticAudienceClaim adds {issuer}/resources beside the API resources', async () => {
    const { issuer, token } = await start([service()], { emitStaticAudienceClaim: true });
    const { body } = await token({ grant_type: 'client_credentials', scope: 'api1' });
    expect(decodeJwt(body.access_token!).aud).toEqual(['urn:api1', `${issuer}/resources`]);
  });

  it("scopeClaimFormat 'array' gives IdentityServer's JSON-array scope claim", async () => {
    const { token } = await start([service()], { scopeClaimFormat: 'array' });
    const { body } = await token({ grant_type: 'client_credentials', scope: 'api1 api2' });
    expect(decodeJwt(body.access_token!).scope).toEqual(['api1', 'api2']);
    expect(body.scope).toBe('api1 api2');
  });

  it('IncludeJwtId false leaves jti out of the access token', async () => {
    const { token } = await start([service({ includeJwtId: false })]);
    const { body } = await token({ grant_type: 'client_credentials' });
    expect(decodeJwt(body.access_token!).jti).toBeUndefined();
  });

  it('AccessTokenType Reference issues an opaque access token', async () => {
    const { token } = await start([service({ accessTokenType: 'Reference' })]);
    const { status, body } = await token({ grant_type: 'client_credentials' });
    expect(status).toBe(200);
    expect(body.access_token!.split('.')).toHaveLength(1);
  });

  it('AlwaysSendClientClaims is irrelevant without a user: client claims are prefixed and several values form an array', async () => {
    const { token } = await start([
      service({
        clientClaimsPrefix: 'c_',
        claims: [
          { type: 'role', value: 'a' },
          { type: 'role', value: 'b' },
        ],
      }),
    ]);
    const { body } = await token({ grant_type: 'client_credentials' });
    expect(decodeJwt(body.access_token!).c_role).toEqual(['a', 'b']);
  });

  it('a resource indicator naming an API resource gives a token for that audience only', async () => {
    const { token } = await start([service()]);
    const { status, body } = await token({ grant_type: 'client_credentials', resource: 'urn:api1' });
    expect(status).toBe(200);
    const claims = decodeJwt(body.access_token!);
    expect(claims.aud).toBe('urn:api1');
    expect(claims.scope).toBe('api1');
  });

  it('an unknown resource indicator is invalid_target', async () => {
    const { token } = await start([service()]);
    const { status, body } = await token({ grant_type: 'client_credentials', resource: 'urn:nothing' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_target');
  });

  it("CORS at the token endpoint follows the client's AllowedCorsOrigins", async () => {
    const { issuer } = await start([service({ allowedCorsOrigins: ['https://app.example.com'] })]);
    const post = (origin: string) =>
      fetch(`${issuer}/connect/token`, {
        method: 'POST',
        headers: { origin, authorization: `Basic ${Buffer.from('svc:secret').toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
    const allowed = await post('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await post('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
