// uses: @idsrv/store-redis, @idsrv/model
// needs: redis
// The store-redis README: a bare oidc-provider on store.adapter with a caller-owned ioredis client (the redis URL is
// the first argument; the harness starts a throwaway redis-server), then definitions imported into the store, a
// client read back, and the adapter's atomic consume.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { AlreadyConsumedError, defineClient, GrantTypes, sha256 } from '@idsrv/model';
import { createRedisStore } from '@idsrv/store-redis';
import { Redis } from 'ioredis';
import Provider from 'oidc-provider';

const client = new Redis(process.argv[2] ?? 'redis://127.0.0.1:6379', {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
});
await client.connect();
const store = createRedisStore({ client, keyPrefix: 'consumer:' });
const provider = new Provider('http://localhost:3000', {
  adapter: store.adapter,
  clients: [
    {
      client_id: 'bare.client',
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
  const headers = {
    authorization: `Basic ${Buffer.from('bare.client:a-long-random-secret').toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  const issued = await fetch(`${base}/token`, {
    method: 'POST',
    headers,
    body: 'grant_type=client_credentials',
  });
  assert.equal(issued.status, 200, await issued.clone().text());
  const { access_token: accessToken } = (await issued.json()) as { access_token: string };
  assert.equal(await store.countAdapterKeys(), 1, 'the opaque token is one key in Redis');
  const introspected = await fetch(`${base}/token/introspection`, {
    method: 'POST',
    headers,
    body: `token=${encodeURIComponent(accessToken)}`,
  });
  assert.equal(((await introspected.json()) as { active: boolean }).active, true);

  const report = await store.importDefinitions({
    clients: [
      defineClient({
        clientId: 'service.client',
        clientSecrets: [{ value: sha256('secret') }],
        allowedGrantTypes: GrantTypes.ClientCredentials,
        allowedScopes: ['api1'],
      }),
    ],
    apiScopes: [{ name: 'api1' }],
  });
  assert.deepEqual(report.clients.created, ['service.client']);
  assert.equal((await store.clients.findClientById('service.client'))?.accessTokenLifetime, 3600);

  const codes = store.adapter('AuthorizationCode');
  await codes.upsert('code-1', { grantId: 'g1', kind: 'AuthorizationCode' }, 60);
  await codes.consume('code-1');
  await assert.rejects(codes.consume('code-1'), AlreadyConsumedError);
  console.log(
    'ok: store-redis: a bare oidc-provider issued and introspected a token through store.adapter; definitions, ' +
      'client lookup and atomic consume work against a real redis-server',
  );
} finally {
  await new Promise((resolve) => server.close(resolve));
  await store.dispose();
  client.disconnect();
}
