import { type Definitions, sha256 } from '@idsrv/model';
import { describe, expect, it } from 'vitest';
import { createReloadableMemoryStore } from './reload.ts';

/** Two clients and their scopes at one version: `a` and `b` are each allowed `api-{version}`. */
function version(n: number): Definitions {
  const client = (clientId: string) => ({
    clientId,
    clientName: `${clientId} v${n}`,
    allowedGrantTypes: ['client_credentials'],
    clientSecrets: [{ value: sha256('secret') }],
    allowedScopes: [`api-${n}`],
  });
  return {
    clients: [client('a'), client('b')],
    identityResources: [],
    apiScopes: [{ name: `api-${n}` }],
    apiResources: [],
  } as unknown as Definitions;
}

describe('createReloadableMemoryStore', () => {
  it('apply - an edit lands whole: a request running meanwhile sees the old or the new configuration, never a mix', async () => {
    const { store, apply } = createReloadableMemoryStore(version(1));
    // What a request in flight could read at any await: both clients and the scope the first one is allowed.
    const seen = new Set<string>();
    let applying = true;
    const probe = (async () => {
      while (applying) {
        // Asked in one turn (the memory store answers from what it holds when asked), so this is one moment.
        const [a, b, resources] = await Promise.all([
          store.clients.findClientById('a'),
          store.clients.findClientById('b'),
          store.resources.getAllResources(),
        ]);
        const defined = resources.apiScopes.some((s) => s.name === a?.allowedScopes[0]);
        seen.add(`${a?.clientName} | ${b?.clientName} | ${defined ? 'scope defined' : 'scope missing'}`);
      }
    })();
    for (let n = 2; n <= 20; n++) await apply(version(n));
    applying = false;
    await probe;
    // The probe ran between the reloads (it saw several versions), and each time saw one version whole.
    expect(seen.size).toBeGreaterThan(1);
    for (const state of seen) expect(state).toMatch(/^a v(\d+) \| b v\1 \| scope defined$/);
  });

  it('apply - reports what changed, and removes a client dropped from the file', async () => {
    const { store, apply } = createReloadableMemoryStore(version(1));
    const next = version(2);
    const change = await apply({ ...next, clients: next.clients.slice(0, 1) });
    expect(change.clients).toEqual({ added: [], changed: ['a'], removed: ['b'] });
    expect(change.apiResources).toBe(true);
    expect(await store.clients.findClientById('b')).toBeUndefined();
  });
});
