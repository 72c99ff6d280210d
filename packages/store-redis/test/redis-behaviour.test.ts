import { randomUUID } from 'node:crypto';
import { serviceClient } from '@idsrv/store-test-suite';
import { startRedis } from '@idsrv/test-redis';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createKeys, createRedisStore, type RedisConnection, type RedisStore } from '../src/index.ts';
import { useRedisAndCluster } from './redis-servers.ts';

const redis = useRedisAndCluster();
let single: Redis;
let other: Redis;
let clustered: Cluster;
let otherClustered: Cluster;

beforeAll(() => {
  single = new Redis(redis.server.url);
  other = new Redis(redis.server.url);
  clustered = new Cluster(redis.cluster.startupNodes);
  otherClustered = new Cluster(redis.cluster.startupNodes);
});
afterAll(() => {
  for (const c of [single, other, clustered, otherClustered]) c?.disconnect();
});

function open(client: RedisConnection, options: Partial<Parameters<typeof createRedisStore>[0]> = {}) {
  const store = createRedisStore({ client, keyPrefix: `t:${randomUUID()}:`, ...options });
  onTestFinished(() => store.dispose());
  return store;
}

/** Resolves once the store's pub/sub subscription is live (its cache is in use). */
async function live(store: RedisStore) {
  await vi.waitFor(() => expect(store.subscribed).toBe(true), { timeout: 5000, interval: 5 });
}

describe('redis store: key layout', () => {
  it('keyPrefix - a prefix with a hash tag brace is refused with ERR_CONFIG_INVALID', () => {
    expect(() => createRedisStore({ client: single, keyPrefix: '{idsrv}:' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });

  it('hash slots - a grant index and its records share a slot, whatever characters the grant id holds', async () => {
    const keys = createKeys('idsrv:');
    for (const grantId of ['g1', 'a}b', '{x}', 'with:colons', 'ünï', 'x'.repeat(200)]) {
      const slots = await Promise.all(
        [
          keys.grantIndex('RefreshToken', grantId),
          keys.grantRecord('RefreshToken', grantId, 'r1'),
          keys.grantRecord('RefreshToken', grantId, '{other}'),
        ].map((key) =>
          single.call('CLUSTER', 'KEYSLOT', key).catch(() => clustered.call('CLUSTER', 'KEYSLOT', key)),
        ),
      );
      expect(new Set(slots).size, grantId).toBe(1);
    }
  });

  it('cluster - records of many grants spread over all three masters', async () => {
    const store = open(clustered);
    const tokens = store.adapter('AccessToken');
    for (let i = 0; i < 60; i++) await tokens.upsert(`t${i}`, { grantId: `grant-${i}` }, 60);
    const perNode = await Promise.all(
      clustered.nodes('master').map(async (node) => {
        const [, found] = await node.scan('0', 'MATCH', `${store.keyPrefix}*`, 'COUNT', 10_000);
        return found.length;
      }),
    );
    expect(perNode.filter((n) => n > 0)).toHaveLength(3);
    await Promise.all(Array.from({ length: 60 }, (_, i) => tokens.revokeByGrantId(`grant-${i}`)));
    expect(await store.countAdapterKeys()).toBe(0);
  });
});

describe.each([
  ['single node', () => single],
  ['cluster', () => clustered as RedisConnection],
])('redis store (%s): grant index', (_name, connection) => {
  it('rotation - the grant index holds only live records: expired ones are pruned on the next write', async () => {
    const store = open(connection());
    const tokens = store.adapter('RefreshToken');
    const index = store.keys.grantIndex('RefreshToken', 'g1');
    for (let i = 0; i < 50; i++) await tokens.upsert(`old-${i}`, { grantId: 'g1', rotations: i }, 1);
    expect(await connection().zcard(index)).toBe(50);
    await vi.waitFor(async () => expect(await tokens.find('old-49')).toBeUndefined(), { timeout: 4000 });
    await tokens.upsert('current', { grantId: 'g1', rotations: 50 }, 60);
    expect(await connection().zrange(index, '0', '-1')).toEqual(['current']);
  });

  it('rotation - the grant index expires with the last of its records, and never before it', async () => {
    const store = open(connection());
    const tokens = store.adapter('AccessToken');
    const index = store.keys.grantIndex('AccessToken', 'g1');
    await tokens.upsert('long', { grantId: 'g1' }, 120);
    await tokens.upsert('short', { grantId: 'g1' }, 30);
    const pttl = await connection().pttl(index);
    expect(pttl).toBeGreaterThan(115_000);
    expect(pttl).toBeLessThanOrEqual(120_000);
    await tokens.upsert('forever', { grantId: 'g1' });
    expect(await connection().pttl(index)).toBe(-1);
    await tokens.destroy('forever');
    expect(await connection().pttl(index)).toBeGreaterThan(0);
  });

  it('upsert - a record that gets a grant (a DeviceCode once approved) moves under it and is revoked with it', async () => {
    const store = open(connection());
    const codes = store.adapter('DeviceCode');
    await codes.upsert('d1', { userCode: 'UC-1', grantId: 'g-old' }, 60);
    await codes.upsert('d1', { userCode: 'UC-1' }, 60);
    await codes.upsert('d1', { userCode: 'UC-1', grantId: 'g-new' }, 60);
    await codes.revokeByGrantId('g-old');
    expect(await codes.findByUserCode('UC-1')).toEqual({ userCode: 'UC-1', grantId: 'g-new' });
    await codes.revokeByGrantId('g-new');
    expect(await codes.find('d1')).toBeUndefined();
    expect(await store.countAdapterKeys()).toBe(0);
  });

  it('revokeByGrantId - removes a grant with more records than one script takes (batches of 200)', async () => {
    const store = open(connection());
    const tokens = store.adapter('AccessToken');
    await Promise.all(Array.from({ length: 450 }, (_, i) => tokens.upsert(`t${i}`, { grantId: 'big' }, 60)));
    await tokens.revokeByGrantId('big');
    expect(await store.countAdapterKeys()).toBe(0);
  });

  it('listClients - 2 500 clients, pages of 300: every client exactly once, no page over the limit', async () => {
    const store = open(connection());
    const ids = Array.from({ length: 2500 }, (_, i) => `c${i}`);
    const template = JSON.stringify(serviceClient('x'));
    // Written raw (the store validates on read) to keep the test fast.
    await Promise.all(
      ids.map((id) => connection().set(store.keys.client(id), template.replace('"x"', `"${id}"`))),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.clients.listClients({ limit: 300, ...(cursor ? { cursor } : {}) });
      expect(page.clients.length).toBeLessThanOrEqual(300);
      seen.push(...page.clients.map((c) => c.clientId));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined && pages < 100);
    expect(seen.sort()).toEqual([...ids].sort());
  });
});

describe('redis store: client cache across instances', () => {
  it.each([
    ['single node', () => [single, other] as RedisConnection[]],
    ['cluster', () => [clustered, otherClustered] as RedisConnection[]],
  ])(
    'cache (%s) - a client changed or removed on one instance is seen by the other at once (pub/sub)',
    async (_name, connections) => {
      const [writer, reader] = connections();
      const a = open(writer!);
      const b = createRedisStore({ client: reader!, keyPrefix: a.keyPrefix });
      onTestFinished(() => b.dispose());
      await live(b);
      await a.clients.putClient(serviceClient('svc', { clientName: 'v1' }));
      const first = await b.clients.findClientById('svc');
      expect(first?.clientName).toBe('v1');
      // Cached: the same frozen object while unchanged, also without a promise (the token endpoint's fast path).
      expect(await b.clients.findClientById('svc')).toBe(first);
      // A read overtaken by a change message (here, the put's own) is not served from memory; the next one is.
      await vi.waitFor(
        async () => {
          await b.clients.findClientById('svc');
          expect(b.clients.findCachedClient('svc')).toBe(first);
        },
        { timeout: 2000, interval: 5 },
      );

      await a.clients.putClient(serviceClient('svc', { clientName: 'v2' }));
      // The change message drops the cached entry: the fast path stops answering before anything reads the new one.
      await vi.waitFor(() => expect(b.clients.findCachedClient('svc')).toBeUndefined(), {
        timeout: 2000,
        interval: 5,
      });
      await vi.waitFor(
        async () => {
          expect((await b.clients.findClientById('svc'))?.clientName).toBe('v2');
          expect(b.clients.findCachedClient('svc')?.clientName).toBe('v2');
        },
        { timeout: 2000, interval: 5 },
      );
      await a.clients.removeClient('svc');
      await vi.waitFor(async () => expect(await b.clients.findClientById('svc')).toBeUndefined(), {
        timeout: 2000,
        interval: 5,
      });
      expect(b.clients.findCachedClient('svc')).toBeUndefined();
    },
  );

  it('cache - a write that skips pub/sub (by hand in Redis) is seen once clientCacheTtl has run out', async () => {
    let now = Date.now();
    const store = open(single, { clientCacheTtl: 5, now: () => now });
    await live(store);
    await store.clients.putClient(serviceClient('svc', { clientName: 'v1' }));
    const cached = await store.clients.findClientById('svc');
    await single.set(
      store.keys.client('svc'),
      JSON.stringify(serviceClient('svc', { clientName: 'by hand' })),
    );
    expect(await store.clients.findClientById('svc')).toBe(cached);
    expect(store.clients.findCachedClient('svc')).toBe(cached);
    now += 5_001;
    // Past the TTL the fast path declines, and findClientById reads Redis.
    expect(store.clients.findCachedClient('svc')).toBeUndefined();
    expect((await store.clients.findClientById('svc'))?.clientName).toBe('by hand');
  });

  it.each([
    ['single node', () => single as RedisConnection],
    // On a Cluster, ioredis subscribes on a connection of its own to one node and, when that connection ends, moves
    // the subscription to another without any event on the Cluster: the feed has to notice by itself.
    ['cluster', () => clustered as RedisConnection],
  ])(
    'cache (%s) - while the subscription is down the cache is bypassed, so no change can be missed',
    async (_name, connection) => {
      const client = connection();
      const store = open(client, { clientCacheTtl: 3600 });
      await live(store);
      await store.clients.putClient(serviceClient('svc', { clientName: 'v1' }));
      expect((await store.clients.findClientById('svc'))?.clientName).toBe('v1');
      // A change that sends no message (by hand in Redis; as a change published while the subscription was being
      // moved would be lost) stays unseen while the subscription is up: the cache is used…
      await client.set(
        store.keys.client('svc'),
        JSON.stringify(serviceClient('svc', { clientName: 'by hand' })),
      );
      expect((await store.clients.findClientById('svc'))?.clientName).toBe('v1');
      // …and the moment the subscriber connection drops (messages could be missed), reads go to Redis again.
      const nodes = client instanceof Cluster ? client.nodes('all') : [client];
      await Promise.all(nodes.map((node) => node.call('CLIENT', 'KILL', 'TYPE', 'pubsub')));
      await vi.waitFor(() => expect(store.clients.findCachedClient('svc')).toBeUndefined(), {
        timeout: 2000,
        interval: 5,
      });
      await vi.waitFor(
        async () => expect((await store.clients.findClientById('svc'))?.clientName).toBe('by hand'),
        { timeout: 2000, interval: 5 },
      );
      // Subscribed again (on a Cluster, on whichever connection ioredis moved it to): the cache serves once more, and
      // a change made on another instance still reaches it.
      await live(store);
      const other = createRedisStore({ client, keyPrefix: store.keyPrefix });
      onTestFinished(() => other.dispose());
      await vi.waitFor(
        async () => {
          await store.clients.findClientById('svc');
          expect(store.clients.findCachedClient('svc')?.clientName).toBe('by hand');
        },
        { timeout: 2000, interval: 5 },
      );
      await other.clients.putClient(serviceClient('svc', { clientName: 'v3' }));
      await vi.waitFor(() => expect(store.clients.findCachedClient('svc')).toBeUndefined(), {
        timeout: 2000,
        interval: 5,
      });
    },
  );

  it('cache - a re-read of an unchanged client keeps the same object (the provider caches by identity)', async () => {
    let now = Date.now();
    const store = open(single, { clientCacheTtl: 1, now: () => now });
    await live(store);
    await store.clients.putClient(serviceClient('svc'));
    const first = await store.clients.findClientById('svc');
    now += 2_000;
    expect(await store.clients.findClientById('svc')).toBe(first);
  });

  it('resources - putResources on one instance is seen by the other at once', async () => {
    const a = open(single);
    const b = createRedisStore({ client: other, keyPrefix: a.keyPrefix });
    onTestFinished(() => b.dispose());
    await live(b);
    expect(await a.resources.putResources({ apiScopes: [{ name: 'api1' }] })).toBe(true);
    expect(await a.resources.putResources({ apiScopes: [{ name: 'api1' }] })).toBe(false);
    expect(await b.resources.findApiScopesByName(['api1', 'api2'])).toMatchObject([{ name: 'api1' }]);
    // Read once (and not overtaken by a change message), the snapshot answers synchronously too (the fast path)…
    await vi.waitFor(
      async () => {
        await b.resources.findApiScopesByName(['api1']);
        expect(b.resources.cachedQueries()?.findApiScopesByName(['api1', 'api2'])).toMatchObject([
          { name: 'api1' },
        ]);
      },
      { timeout: 2000, interval: 5 },
    );
    await a.resources.putResources({ apiScopes: [{ name: 'api1' }, { name: 'api2' }] });
    // …until the change message drops it.
    await vi.waitFor(() => expect(b.resources.cachedQueries()).toBeUndefined(), {
      timeout: 2000,
      interval: 5,
    });
    await vi.waitFor(
      async () => {
        expect(await b.resources.findApiScopesByName(['api1', 'api2'])).toHaveLength(2);
        expect(b.resources.cachedQueries()?.findApiScopesByName(['api1', 'api2'])).toHaveLength(2);
      },
      { timeout: 2000, interval: 5 },
    );
    await expect(
      a.resources.putResources({ apiResources: [{ name: 'r', scopes: ['nope'] }] }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_INVALID' });
  });
});

describe.each([
  ['single node', () => [single, other] as const],
  ['cluster', () => [clustered, otherClustered] as const],
])('redis store: login throttle (%s)', (_, connections) => {
  /** Two instances' throttles on one Redis and prefix, with small limits. */
  const pair = (limits: Parameters<RedisStore['createLoginThrottle']>[0] = {}) => {
    const [first, second] = connections();
    const a = open(first);
    const b = createRedisStore({ client: second, keyPrefix: a.keyPrefix });
    onTestFinished(() => b.dispose());
    const all = { maxFailuresPerUsername: 3, maxFailuresPerIp: 5, windowSeconds: 60, ...limits };
    return { a, throttles: [a.createLoginThrottle(all), b.createLoginThrottle(all)] as const };
  };

  it('throttle - failures counted on two instances add up: the limit blocks the username at both, for any IP', async () => {
    const { throttles } = pair();
    const [one, two] = throttles;
    await one.failed('Carol', '10.0.0.1');
    await two.failed('carol', '10.0.0.2');
    expect(await one.retryAfter('carol', '10.0.0.9')).toBe(0);
    await two.failed('CAROL', '10.0.0.3');
    for (const throttle of throttles) {
      const wait = await throttle.retryAfter('carol', '10.0.0.9');
      expect(wait).toBeGreaterThan(55);
      expect(wait).toBeLessThanOrEqual(60);
    }
    expect(await one.retryAfter('dave', '10.0.0.9')).toBe(0);
  });

  it('throttle - concurrent failures on both instances are all counted', async () => {
    const { throttles } = pair({ maxFailuresPerUsername: 20 });
    await Promise.all(Array.from({ length: 19 }, (_, i) => throttles[i % 2]!.failed('erin', `10.1.0.${i}`)));
    expect(await throttles[0].retryAfter('erin', '10.9.9.9')).toBe(0);
    await throttles[1].failed('erin', '10.1.1.1');
    expect(await throttles[0].retryAfter('erin', '10.9.9.9')).toBeGreaterThan(0);
  });

  it('throttle - the IP limit counts every username; a success clears the username, not the IP', async () => {
    const { throttles } = pair();
    const [one, two] = throttles;
    for (const name of ['u1', 'u2', 'u3', 'u4']) await one.failed(name, '192.0.2.7');
    await two.failed('frank', '192.0.2.7');
    expect(await two.retryAfter('someone-else', '192.0.2.7')).toBeGreaterThan(0);
    await one.failed('frank', '198.51.100.1');
    await one.failed('frank', '198.51.100.1');
    expect(await one.retryAfter('frank', '198.51.100.2')).toBeGreaterThan(0);
    await two.succeeded('Frank');
    expect(await one.retryAfter('frank', '198.51.100.2')).toBe(0);
    expect(await one.retryAfter('frank', '192.0.2.7')).toBeGreaterThan(0);
  });

  it('throttle - the window ends: the counters expire and the username may try again', async () => {
    const { throttles } = pair({ windowSeconds: 1 });
    for (let i = 0; i < 3; i++) await throttles[0].failed('grace', '203.0.113.5');
    expect(await throttles[1].retryAfter('grace', '203.0.113.6')).toBe(1);
    await vi.waitFor(async () => expect(await throttles[1].retryAfter('grace', '203.0.113.6')).toBe(0), {
      timeout: 3000,
      interval: 50,
    });
  });

  it('throttle - counters are named by a hash: no username or address is readable in the keys', async () => {
    const { a, throttles } = pair();
    await throttles[0].failed('heidi@example.com', '203.0.113.77');
    const key = a.keys.throttle('u', 'heidi@example.com');
    expect(key).not.toContain('heidi');
    expect(a.keys.throttle('i', '203.0.113.77')).not.toContain('203.0.113');
    const [first] = connections();
    expect(await first.get(key)).toBe('1');
    expect(await first.pttl(key)).toBeGreaterThan(55_000);
  });
});

describe('redis store: caller errors', () => {
  it('upsert - a lifetime that is not a number of seconds, or a payload that is not JSON, is a TypeError', async () => {
    const sessions = open(single).adapter('Session');
    await expect(sessions.upsert('s1', {}, Number.NaN)).rejects.toBeInstanceOf(TypeError);
    await expect(sessions.upsert('s1', {}, '60' as unknown as number)).rejects.toBeInstanceOf(TypeError);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(sessions.upsert('s1', circular, 60)).rejects.toBeInstanceOf(TypeError);
    expect(await sessions.find('s1')).toBeUndefined();
  });
});

describe('redis store: import and shared state', () => {
  it('importDefinitions - idempotent, reports what it created, updated, left and pruned', async () => {
    const store = open(single);
    const first = await store.importDefinitions({
      clients: [
        serviceClient('a', { allowedScopes: ['api1'] }),
        serviceClient('b', { allowedScopes: ['api1'] }),
      ],
      apiScopes: [{ name: 'api1' }],
    });
    expect(first).toEqual({
      clients: { created: ['a', 'b'], updated: [], unchanged: [], removed: [] },
      resources: 'updated',
    });
    const again = await store.importDefinitions(
      {
        clients: [
          serviceClient('a', { allowedScopes: ['api1'] }),
          serviceClient('c', { allowedScopes: ['api1'], clientName: 'C' }),
        ],
        apiScopes: [{ name: 'api1' }],
      },
      { prune: true },
    );
    expect(again).toEqual({
      clients: { created: ['c'], updated: [], unchanged: ['a'], removed: ['b'] },
      resources: 'unchanged',
    });
    await expect(
      store.importDefinitions({
        clients: [serviceClient('d', { allowedScopes: ['api9'] })],
        apiScopes: [{ name: 'api1' }],
      }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_INVALID' });
    expect(await store.clients.findClientById('d')).toBeUndefined();
  });

  it('sharedServerState - instances starting together all get the one value that was stored first', async () => {
    const keyPrefix = `t:${randomUUID()}:`;
    const stores = Array.from({ length: 5 }, (_, i) =>
      createRedisStore({ client: i % 2 ? single : other, keyPrefix }),
    );
    onTestFinished(() => Promise.all(stores.map((s) => s.dispose())).then(() => {}));
    const values = await Promise.all(
      stores.map((s, i) => s.sharedServerState(async () => ({ secret: `s${i}` }))),
    );
    expect(new Set(values.map((v) => v.secret)).size).toBe(1);
    expect(await stores[0]!.sharedServerState(() => ({ secret: 'later' }))).toEqual(values[0]);
  });
});

describe('redis store: Redis unavailable', () => {
  it('failure - calls reject fast with ERR_STORE_UNAVAILABLE (HTTP 503) while Redis is down, and work again once it is back', async () => {
    const redis = await startRedis({ persistence: true });
    onTestFinished(() => redis.stop());
    const client = new Redis(redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      retryStrategy: () => 50,
    });
    client.on('error', () => {});
    onTestFinished(() => client.disconnect());
    await new Promise((resolve) => client.once('ready', resolve));
    const store = open(client);
    await store.adapter('RefreshToken').upsert('r1', { grantId: 'g1' }, 600);

    await redis.halt();
    const started = Date.now();
    await expect(store.adapter('RefreshToken').find('r1')).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      statusCode: 503,
      expose: false,
    });
    await expect(store.clients.findClientById('svc')).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    });
    // The login throttle fails closed: a sign-in it cannot check is refused (503), not waved through.
    await expect(store.createLoginThrottle().retryAfter('alice', '127.0.0.1')).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      statusCode: 503,
    });
    expect(Date.now() - started).toBeLessThan(1500);

    await redis.resume();
    await vi.waitFor(
      async () => expect(await store.adapter('RefreshToken').find('r1')).toEqual({ grantId: 'g1' }),
      {
        timeout: 5000,
        interval: 50,
      },
    );
  });
});
