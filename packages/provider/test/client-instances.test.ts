import { GrantTypes, sha256 } from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import { describe, expect, it } from 'vitest';
import { serveProvider } from './serve.ts';

describe('Client.find (reuseClientInstances)', () => {
  it('hands out one instance while the client is unchanged, a new one after a change, and none once it is gone', async () => {
    const store = createMemoryStore({
      clients: [
        {
          clientId: 'svc',
          clientSecrets: [{ value: sha256('secret') }],
          allowedGrantTypes: GrantTypes.ClientCredentials,
        },
      ],
    });
    const { provider } = await serveProvider(store);
    const first = await provider.Client.find('svc');
    expect(first?.clientId).toBe('svc');
    expect(await provider.Client.find('svc')).toBe(first);

    await store.clients.putClient({ ...(await store.clients.findClientById('svc'))!, clientName: 'Renamed' });
    const changed = await provider.Client.find('svc');
    expect(changed).not.toBe(first);
    expect(changed?.clientName).toBe('Renamed');
    expect(await provider.Client.find('svc')).toBe(changed);

    await store.clients.removeClient('svc');
    expect(await provider.Client.find('svc')).toBeUndefined();
    expect(await provider.Client.find('')).toBeUndefined();
  });
});
