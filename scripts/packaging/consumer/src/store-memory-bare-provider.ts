// uses: @idsrv/store-memory
// The store-memory README's "With a bare oidc-provider": the store's adapter under an oidc-provider that knows
// nothing of idsrv. A client_credentials token is issued, stored through the adapter, and introspected back.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '@idsrv/store-memory';
import Provider from 'oidc-provider';

const store = createMemoryStore();
const provider = new Provider('http://localhost:3000', {
  adapter: store.adapter,
  clients: [
    {
      client_id: 'service.client',
      client_secret: 'a-long-random-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
  ],
  features: { clientCredentials: { enabled: true }, introspection: { enabled: true } },
});

const server = provider.listen(0);
try {
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = `Basic ${Buffer.from('service.client:a-long-random-secret').toString('base64')}`;
  const form = { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' };

  const tokenResponse = await fetch(`${base}/token`, {
    method: 'POST',
    headers: form,
    body: 'grant_type=client_credentials',
  });
  assert.equal(tokenResponse.status, 200, await tokenResponse.clone().text());
  const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };

  // An opaque client_credentials token lives only in the store: introspection proves the adapter round trip.
  assert.equal(store.adapter.stats().recordsByModel['ClientCredentials'], 1, 'one token record in the store');
  const introspection = await fetch(`${base}/token/introspection`, {
    method: 'POST',
    headers: form,
    body: `token=${encodeURIComponent(accessToken)}`,
  });
  const body = (await introspection.json()) as { active: boolean; client_id?: string };
  assert.equal(body.active, true);
  assert.equal(body.client_id, 'service.client');
  console.log('ok: store-memory: a bare oidc-provider issued and introspected a token through store.adapter');
} finally {
  await new Promise((resolve) => server.close(resolve));
  await store.dispose();
}
