import { ModelValidationError, validateDefinitions } from '@idsrv/model';
import { sampleResources, serviceClient, testStore } from '@idsrv/store-test-suite';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  createMemoryAdapter,
  createMemoryClientStore,
  createMemoryResourceStore,
  createMemoryStore,
  DEFAULT_LIST_LIMIT,
  DEFAULT_MAX_ENTRIES,
  MAX_LIST_LIMIT,
  type MemoryEvictionEvent,
  type MemoryFullPolicy,
  type MemoryStore,
} from '../src/index.ts';

// One controllable clock for every store the suite creates: lifetimes run out when the suite says so, not after
// real seconds.
let time = Date.now();
const clock = {
  now: () => time,
  advance: (ms: number) => {
    time += ms;
  },
};

testStore<MemoryStore>({
  name: 'memory',
  create: (seed) => createMemoryStore({ ...seed, now: clock.now }),
  capabilities: {
    clock,
    inspect: {
      async countAdapterKeys(store) {
        store.adapter.sweep();
        const { records, indexEntries } = store.adapter.stats();
        return records + indexEntries;
      },
    },
  },
});

// The same suite on the real clock, so the real-time path (the one the Redis store uses) is exercised too.
testStore<MemoryStore>({
  name: 'memory (real clock)',
  create: (seed) => createMemoryStore(seed),
});

/** A store on a clock of its own, with no sweep timer unless asked for. */
function storeAt(options: Parameters<typeof createMemoryStore>[0] = {}) {
  let now = 1_700_000_000_000;
  const store = createMemoryStore({ sweepInterval: 0, now: () => now, ...options });
  onTestFinished(() => store.dispose());
  return {
    store,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
  };
}

describe('memory store: maxEntries', () => {
  it('maxEntries - when full, the record closest to expiry is evicted first, records without expiry last', async () => {
    const evictions: MemoryEvictionEvent[] = [];
    const { store } = storeAt({ maxEntries: 3, onEvict: (e) => evictions.push(e) });
    const tokens = store.adapter('AccessToken');
    await tokens.upsert('in-100s', { n: 1 }, 100);
    await tokens.upsert('in-10s', { n: 2 }, 10);
    await store.adapter('Grant').upsert('never-a', { n: 3 });

    await tokens.upsert('in-50s', { n: 4 }, 50);
    expect(await tokens.find('in-10s')).toBeUndefined();
    await store.adapter('Grant').upsert('never-b', { n: 5 });
    expect(await tokens.find('in-50s')).toBeUndefined();
    await store.adapter('Grant').upsert('never-c', { n: 6 });
    expect(await tokens.find('in-100s')).toBeUndefined();
    // Only records without expiry are left: the one written first goes first.
    await store.adapter('Grant').upsert('never-d', { n: 7 });
    expect(await store.adapter('Grant').find('never-a')).toBeUndefined();
    expect(await store.adapter('Grant').find('never-b')).toEqual({ n: 5 });

    expect(evictions).toEqual([
      { modelName: 'AccessToken', expiresAt: 1_700_000_000_000 + 10_000 },
      { modelName: 'AccessToken', expiresAt: 1_700_000_000_000 + 50_000 },
      { modelName: 'AccessToken', expiresAt: 1_700_000_000_000 + 100_000 },
      { modelName: 'Grant', expiresAt: undefined },
    ]);
    expect(store.adapter.stats()).toMatchObject({ records: 3, maxEntries: 3, evicted: 4 });
  });

  it('maxEntries - expired records are reclaimed before any live record is evicted', async () => {
    const onEvict = vi.fn();
    const { store, advance } = storeAt({ maxEntries: 2, onEvict });
    const sessions = store.adapter('Session');
    await sessions.upsert('short', { uid: 'u1' }, 1);
    await sessions.upsert('long', { uid: 'u2' }, 100);
    advance(2);
    await sessions.upsert('new', { uid: 'u3' }, 100);
    expect(onEvict).not.toHaveBeenCalled();
    expect(await sessions.find('long')).toEqual({ uid: 'u2' });
    expect(await sessions.find('new')).toEqual({ uid: 'u3' });
    expect(store.adapter.stats()).toMatchObject({ records: 2, evicted: 0, reclaimed: 1 });
  });

  it('maxEntries - an evicted record leaves no index entry behind', async () => {
    const { store } = storeAt({ maxEntries: 1 });
    const sessions = store.adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', grantId: 'g1' }, 10);
    await sessions.upsert('s2', { uid: 'u2' }, 10);
    expect(await sessions.findByUid('u1')).toBeUndefined();
    expect(store.adapter.stats()).toMatchObject({ records: 1, indexEntries: 1 });
  });

  it('maxEntries - replacing a record that exists never evicts', async () => {
    const onEvict = vi.fn();
    const { store } = storeAt({ maxEntries: 2, onEvict });
    const codes = store.adapter('AuthorizationCode');
    await codes.upsert('a', { v: 1 }, 10);
    await codes.upsert('b', { v: 1 }, 20);
    await codes.upsert('b', { v: 2 }, 20);
    await codes.upsert('a', { v: 2 }, 30);
    expect(onEvict).not.toHaveBeenCalled();
    expect(await codes.find('a')).toEqual({ v: 2 });
  });

  it("maxEntries - with whenFull 'reject' a new record is refused with ERR_STORE_UNAVAILABLE and nothing is evicted", async () => {
    const { store } = storeAt({ maxEntries: 2, whenFull: 'reject' });
    const tokens = store.adapter('RefreshToken');
    await tokens.upsert('a', { v: 1 }, 10);
    await tokens.upsert('b', { v: 1 });
    await expect(tokens.upsert('c', { v: 1 }, 10)).rejects.toMatchObject({
      name: 'IdsrvError',
      code: 'ERR_STORE_UNAVAILABLE',
      message: expect.stringContaining('maxEntries'),
    });
    expect(await tokens.find('c')).toBeUndefined();
    expect(await tokens.find('a')).toEqual({ v: 1 });
    await tokens.upsert('a', { v: 2 }, 10);
    await tokens.destroy('b');
    await tokens.upsert('c', { v: 1 }, 10);
    expect(store.adapter.stats()).toMatchObject({ records: 2, evicted: 0 });
  });

  it('maxEntries - an onEvict that throws does not fail the write', async () => {
    const { store } = storeAt({
      maxEntries: 1,
      onEvict: () => {
        throw new Error('observer failed');
      },
    });
    await store.adapter('Session').upsert('a', {}, 10);
    await store.adapter('Session').upsert('b', {}, 10);
    expect(await store.adapter('Session').find('b')).toEqual({});
  });

  it('maxEntries - defaults to 100 000 records', () => {
    const { store } = storeAt();
    expect(store.adapter.stats().maxEntries).toBe(DEFAULT_MAX_ENTRIES);
    expect(DEFAULT_MAX_ENTRIES).toBe(100_000);
  });
});

describe('memory store: reclaiming expired records', () => {
  it('sweep - the periodic sweep reclaims expired records of an idle store', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const store = createMemoryStore({ sweepInterval: 30 });
    onTestFinished(() => store.dispose());
    const tokens = store.adapter('AccessToken');
    for (let i = 0; i < 100; i++) await tokens.upsert(`t${i}`, { grantId: `g${i % 3}` }, 10);
    await tokens.upsert('kept', { grantId: 'g0' }, 600);
    expect(store.adapter.stats()).toMatchObject({ records: 101, indexEntries: 101 });

    vi.advanceTimersByTime(29_000);
    expect(store.adapter.stats().records).toBe(101);
    vi.advanceTimersByTime(1_000);
    expect(store.adapter.stats()).toMatchObject({ records: 1, indexEntries: 1, reclaimed: 100 });
  });

  it('sweep - without the timer, expired records are reclaimed on the next write', async () => {
    const { store, advance } = storeAt({ sweepInterval: 0 });
    const tokens = store.adapter('AccessToken');
    for (let i = 0; i < 50; i++) await tokens.upsert(`t${i}`, {}, 1);
    advance(2);
    expect(store.adapter.stats().records).toBe(50);
    await store.adapter('Session').upsert('s1', {}, 60);
    expect(store.adapter.stats()).toMatchObject({ records: 1, reclaimed: 50 });
  });

  it('sweep - returns how many records it reclaimed', async () => {
    const { store, advance } = storeAt();
    await store.adapter('Interaction').upsert('i1', {}, 1);
    await store.adapter('Interaction').upsert('i2', {}, 5);
    advance(2);
    expect(store.adapter.sweep()).toBe(1);
    expect(store.adapter.sweep()).toBe(0);
  });

  it('timers - the sweep timer does not keep the process alive, and dispose() stops it', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const store = createMemoryStore({ sweepInterval: 1 });
    // An unref'd timer is not an active resource: the event loop may end while it is pending.
    expect(timeouts()).toBe(before);
    await store.dispose();

    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const pending = vi.getTimerCount();
    const faked = createMemoryStore({ sweepInterval: 1 });
    expect(vi.getTimerCount()).toBe(pending + 1);
    await faked.dispose();
    expect(vi.getTimerCount()).toBe(pending);
    const untimed = createMemoryStore({ sweepInterval: 0 });
    expect(vi.getTimerCount()).toBe(pending);
    await untimed.dispose();
  });
});

describe('memory store: behaviour beyond the contract', () => {
  it('fast path - findCachedClient and cachedQueries always answer, without a promise, what the async calls answer', async () => {
    const store = createMemoryStore({ ...sampleResources(), clients: [serviceClient()] });
    onTestFinished(() => store.dispose());
    const client = await store.clients.findClientById('service.client');
    expect(client).toBeDefined();
    expect(store.clients.findCachedClient?.('service.client')).toBe(client);
    expect(store.clients.findCachedClient?.('nobody')).toBeUndefined();
    const scopes = await store.resources.findApiScopesByName(['api1', 'api2.read']);
    expect(store.resources.cachedQueries?.()?.findApiScopesByName(['api1', 'api2.read'])).toBe(scopes);
  });

  it('upsert - a negative expiresIn leaves no record under the id', async () => {
    const { store } = storeAt();
    const sessions = store.adapter('Session');
    await sessions.upsert('s1', { uid: 'u1' }, 60);
    await sessions.upsert('s1', { uid: 'u1' }, -1);
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await sessions.findByUid('u1')).toBeUndefined();
    expect(store.adapter.stats()).toMatchObject({ records: 0, indexEntries: 0 });
  });

  it('upsert - a payload that cannot be copied rejects and leaves the stored record as it was', async () => {
    const { store } = storeAt();
    const sessions = store.adapter('Session');
    await sessions.upsert('s1', { uid: 'u1' }, 60);
    await expect(sessions.upsert('s1', { uid: 'u2', callback: () => {} }, 60)).rejects.toThrow();
    expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1' });
  });

  it('upsert - an expiresIn that is not a number of seconds is a TypeError', async () => {
    const { store } = storeAt();
    await expect(store.adapter('Session').upsert('s1', {}, Number.NaN)).rejects.toBeInstanceOf(TypeError);
    await expect(store.adapter('Session').upsert('s1', {}, '60' as unknown as number)).rejects.toBeInstanceOf(
      TypeError,
    );
  });

  it('dispose - a disposed store refuses adapter calls with ERR_STORE_UNAVAILABLE', async () => {
    const store = createMemoryStore();
    const sessions = store.adapter('Session');
    await sessions.upsert('s1', {}, 60);
    await store.dispose();
    await expect(sessions.find('s1')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(() => store.adapter('Session')).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_UNAVAILABLE' }),
    );
    expect(store.adapter.stats().records).toBe(0);
  });

  it('adapter - is a factory without a prototype, so oidc-provider calls it instead of constructing it', () => {
    const { store } = storeAt();
    expect(typeof store.adapter).toBe('function');
    expect((store.adapter as unknown as { prototype?: unknown }).prototype).toBeUndefined();
    expect(store.adapter('Session')).toBe(store.adapter('Session'));
  });

  it('options - out-of-range adapter options are refused with ERR_CONFIG_INVALID', () => {
    for (const options of [
      { maxEntries: 0 },
      { maxEntries: 1.5 },
      { sweepInterval: -1 },
      { sweepInterval: Number.POSITIVE_INFINITY },
      { whenFull: 'drop-oldest' as MemoryFullPolicy },
    ]) {
      expect(() => createMemoryStore(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
      );
    }
  });

  it('options - definitions are validated together, every problem reported with its path', () => {
    let error: unknown;
    try {
      createMemoryStore({
        clients: [
          { clientId: 'svc', allowedGrantTypes: [] },
          serviceClient('ok', { allowedScopes: ['missing'] }),
        ],
        apiScopes: [{ name: 'api1' }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelValidationError);
    const paths = (error as ModelValidationError).issues.map((i) => i.path);
    expect(paths).toContainEqual(['clients', 0, 'allowedGrantTypes']);
    expect(paths).toContainEqual(['clients', 1, 'allowedScopes', 0]);
  });

  it('options - accepts validated definitions as they come from validateDefinitions (config-loader output)', async () => {
    const { definitions } = validateDefinitions({
      clients: [serviceClient('svc', { allowedScopes: ['api1'] })],
      ...sampleResources(),
    });
    const { store } = storeAt(definitions!);
    expect(await store.clients.findClientById('svc')).toEqual(definitions!.clients[0]);
    expect(await store.resources.getAllResources()).toEqual({
      identityResources: definitions!.identityResources,
      apiScopes: definitions!.apiScopes,
      apiResources: definitions!.apiResources,
    });
  });

  it('pieces - the client, resource and adapter factories work on their own', async () => {
    const clients = createMemoryClientStore({ clients: [serviceClient('svc')] });
    expect(await clients.findClientById('svc')).toEqual(serviceClient('svc'));
    const resources = createMemoryResourceStore({ apiScopes: [{ name: 'api1' }] });
    expect(await resources.findApiScopesByName(['api1'])).toMatchObject([{ name: 'api1' }]);
    const adapter = createMemoryAdapter({ sweepInterval: 0 });
    onTestFinished(() => adapter.dispose());
    await adapter('Grant').upsert('g1', { accountId: 'alice' });
    expect(await adapter('Grant').find('g1')).toEqual({ accountId: 'alice' });
    expect(() => createMemoryResourceStore({ apiResources: [{ name: 'api', scopes: ['nope'] }] })).toThrow(
      ModelValidationError,
    );
  });

  it('listClients - limit is capped at 1000 and must be a positive whole number', async () => {
    const clients = createMemoryClientStore();
    for (let i = 0; i < 1005; i++) await clients.putClient(serviceClient(`c${String(i).padStart(4, '0')}`));
    const first = await clients.listClients({ limit: 5000 });
    expect(first.clients).toHaveLength(MAX_LIST_LIMIT);
    expect(first.cursor).toEqual(expect.any(String));
    expect((await clients.listClients({ cursor: first.cursor! })).clients).toHaveLength(5);
    expect((await clients.listClients()).clients).toHaveLength(DEFAULT_LIST_LIMIT);
    await expect(clients.listClients({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});
