import { defineApiScope, defineClient, GrantTypes, sha256 } from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { clientSettings, createIdsrvProvider, generateSigningKey } from '../src/index.ts';

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose();
});

async function providerWith(properties: Record<string, string>) {
  const store = createMemoryStore({
    clients: [
      defineClient({
        clientId: 'svc',
        clientSecrets: [{ value: sha256('secret') }],
        allowedGrantTypes: GrantTypes.ClientCredentials,
        allowedScopes: ['api1'],
        properties,
      }),
    ],
    apiScopes: [defineApiScope({ name: 'api1' })],
  });
  disposers.push(() => store.dispose());
  return createIdsrvProvider({
    issuer: 'http://127.0.0.1:5999',
    clients: store.clients,
    resources: store.resources,
    adapter: store.adapter,
    jwks: { keys: [(await generateSigningKey('ES256')) as never] },
  });
}

describe('Properties', () => {
  it("Properties - a client's custom data reaches oidc-provider's hooks through clientSettings, and nothing else", async () => {
    const provider = await providerWith({ tenant: 'contoso', tier: 'gold' });
    const client = await provider.Client.find('svc');
    expect(clientSettings(client).properties).toEqual({ tenant: 'contoso', tier: 'gold' });
    // Not protocol metadata: oidc-provider's client has no such property.
    const metadata = client!.metadata() as Record<string, unknown>;
    expect(JSON.stringify(metadata)).not.toContain('contoso');
  });
});
