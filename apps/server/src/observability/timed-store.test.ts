import { sha256 } from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import { describe, expect, it } from 'vitest';
import { instrumentStore, timeAdapterFactory } from './timed-store.ts';

type Call = [model: string, operation: string, seconds: number];

describe('timeAdapterFactory', () => {
  it('times each adapter call by model and operation, and returns what the store returns', async () => {
    const store = createMemoryStore({});
    const calls: Call[] = [];
    const factory = timeAdapterFactory(store.adapter, (...call) => void calls.push(call));
    const sessions = factory('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
    expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'alice' });
    expect(await factory('AccessToken').find('missing')).toBeUndefined();
    expect(calls.map(([model, op]) => `${model}.${op}`)).toEqual([
      'Session.upsert',
      'Session.findByUid',
      'AccessToken.find',
    ]);
    for (const [, , seconds] of calls) expect(seconds).toBeGreaterThanOrEqual(0);
    await store.dispose();
  });

  it('a failing call is timed too, and still fails', async () => {
    const store = createMemoryStore({});
    const calls: Call[] = [];
    const codes = timeAdapterFactory(store.adapter, (...call) => void calls.push(call))('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await codes.consume('c1');
    await expect(codes.consume('c1')).rejects.toMatchObject({ code: 'ERR_ALREADY_CONSUMED' });
    expect(calls.map(([, op]) => op)).toEqual(['upsert', 'consume', 'consume']);
    await store.dispose();
  });
});

/** A memory store with one client (`c1`) and one API scope (`api1`). */
const storeWithClientAndScope = () =>
  createMemoryStore({
    clients: [
      {
        clientId: 'c1',
        allowedGrantTypes: ['client_credentials'],
        clientSecrets: [{ value: sha256('secret') }],
      },
    ] as never,
    apiScopes: [{ name: 'api1' }] as never,
  });

describe('instrumentStore', () => {
  it('times clients (Client) and resources (Resource), and keeps the store working as it is', async () => {
    const store = storeWithClientAndScope();
    const calls: Call[] = [];
    const timed = instrumentStore(store, (...call) => void calls.push(call));
    expect((await timed.clients.findClientById('c1'))?.clientId).toBe('c1');
    expect(await timed.clients.findClientById('c1')).toBe(await store.clients.findClientById('c1'));
    expect((await timed.resources.findApiScopesByName(['api1'])).map((s) => s.name)).toEqual(['api1']);
    expect(calls.map(([model, op]) => `${model}.${op}`)).toEqual([
      'Client.findClientById',
      'Client.findClientById',
      'Resource.findApiScopesByName',
    ]);
    // Everything else is the store's own, bound to it.
    await timed.dispose();
    await store.dispose();
  });

  it('passes the synchronous lookups (findCachedClient, cachedQueries) through untimed, with the same answers', async () => {
    const store = storeWithClientAndScope();
    const calls: Call[] = [];
    const timed = instrumentStore(store, (...call) => void calls.push(call));
    for (let i = 0; i < 2; i++) {
      expect(timed.clients.findCachedClient?.('c1')).toBe(store.clients.findCachedClient?.('c1'));
      expect(timed.clients.findCachedClient?.('nobody')).toBeUndefined();
      expect(
        timed.resources
          .cachedQueries?.()
          ?.findApiScopesByName(['api1'])
          .map((s) => s.name),
      ).toEqual(['api1']);
    }
    // The wrappers are made once, on first use, and then read as plain properties.
    expect(timed.clients.findClientById).toBe(timed.clients.findClientById);
    await timed.clients.findClientById('c1');
    expect(calls.map(([model, op]) => `${model}.${op}`)).toEqual(['Client.findClientById']);
    await store.dispose();
  });
});
