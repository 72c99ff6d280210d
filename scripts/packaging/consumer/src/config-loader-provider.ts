// uses: @idsrv/config-loader, @idsrv/model, @idsrv/provider, @idsrv/store-memory
// The provider README's example with its clients read by config-loader from an appsettings.json (+ an environment
// overlay and an environment variable), served on the memory store: what apps/server does, from the tarballs.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { formatProblem, loadConfiguration } from '@idsrv/config-loader';
import { IdentityResources } from '@idsrv/model';
import { createIdsrvProvider, loadOrCreateDevelopmentKeys } from '@idsrv/provider';
import { createMemoryStore } from '@idsrv/store-memory';

// The JSON Schema export resolves where the config-loader README tells editors to look for it.
const schemaPath = createRequire(import.meta.url).resolve('@idsrv/config-loader/appsettings.schema.json');
assert.ok(schemaPath.endsWith('node_modules/@idsrv/config-loader/appsettings.schema.json'), schemaPath);
JSON.parse(await readFile(schemaPath, 'utf8'));

await writeFile(
  'appsettings.json',
  `{
  // comments and trailing commas are fine
  "$schema": "./node_modules/@idsrv/config-loader/appsettings.schema.json",
  "IdentityServer": {
    "ApiScopes": [{ "Name": "api1" }],
    "ApiResources": [{ "Name": "https://api.example.com", "Scopes": ["api1"] }],
    "Clients": [
      {
        "ClientId": "service.client",
        "ClientSecrets": [{ "Value": "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=" }],
        "AllowedGrantTypes": ["client_credentials"],
        "AllowedScopes": ["api1"],
      },
    ],
  },
}`,
);
await writeFile(
  'appsettings.Development.json',
  '{ "IdentityServer": { "Clients": [{ "AccessTokenLifetime": 600 }] } }',
);

const config = await loadConfiguration({
  file: 'appsettings.json',
  environment: 'Development',
  env: { IdentityServer__Clients__0__ClientName: 'From the environment' },
  defaultIdentityResources: [IdentityResources.OpenId()],
});
for (const warning of config.warnings) console.warn(formatProblem(warning));
assert.equal(config.clients[0]?.accessTokenLifetime, 600, 'the Development overlay applies');
assert.equal(config.clients[0]?.clientName, 'From the environment', 'the environment variable applies');

const store = createMemoryStore({
  clients: config.clients,
  identityResources: config.identityResources,
  apiScopes: config.apiScopes,
  apiResources: config.apiResources,
});
const keys = await loadOrCreateDevelopmentKeys('.idsrv/tempkey.jwk.json');
const server = createServer();
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const provider = await createIdsrvProvider({
  issuer,
  clients: store.clients,
  resources: store.resources,
  adapter: store.adapter,
  jwks: { keys: keys.keys },
  cookieKeys: keys.cookieKeys,
});
server.on('request', provider.callback());

const token = (secret: string) =>
  fetch(`${issuer}/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`service.client:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=api1',
  });
try {
  const ok = await token('secret');
  assert.equal(ok.status, 200, await ok.clone().text());
  const { access_token: jwt, expires_in: expiresIn } = (await ok.json()) as {
    access_token: string;
    expires_in: number;
  };
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, 'https://api.example.com', 'audience from the API resource that holds the scope');
  assert.equal(claims.scope, 'api1');
  assert.equal(claims.client_id, 'service.client');
  assert.equal(expiresIn, 600, 'per-client lifetime from the overlay');

  const wrong = await token('not-the-secret');
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
  console.log('ok: config-loader + store-memory + provider: appsettings.json clients get JWT access tokens');
} finally {
  await new Promise((resolve) => server.close(resolve));
  await store.dispose();
}
