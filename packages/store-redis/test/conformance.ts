import { randomUUID } from 'node:crypto';
import { testStore } from '@idsrv/store-test-suite';
import { createRedisStore, type RedisConnection, type RedisStore } from '../src/index.ts';

/**
 * Registers the one conformance suite against a real Redis: `connections()` gives the two connections opened in
 * `beforeAll` (one per "instance"), on a single node or a Cluster. Each store gets a fresh key prefix, so tests
 * share the server but nothing else.
 */
export function testRedisStore(name: string, connections: () => [RedisConnection, RedisConnection]): void {
  testStore<RedisStore>({
    name,
    create: async (seed) => {
      const store = createRedisStore({ client: connections()[0], keyPrefix: `test:${randomUUID()}:` });
      try {
        if (seed) await store.importDefinitions(seed);
      } catch (error) {
        await store.dispose();
        throw error;
      }
      return store;
    },
    capabilities: {
      inspect: {
        // A second path: SCAN over every master, not the store's own reads.
        countAdapterKeys: (store) => store.countAdapterKeys(),
        // PTTL of the key that holds the record: its id key, or the grant-bound key the id key points to.
        async ttl(store, modelName, id) {
          const [client] = connections();
          const head = store.keys.record(modelName, id);
          const grantId = await client.hget(head, 'g');
          const ms = await client.pttl(grantId ? store.keys.grantRecord(modelName, grantId, id) : head);
          if (ms === -2) return null;
          if (ms === -1) return undefined;
          return ms / 1000;
        },
      },
      // A second instance: its own connection, the same key prefix.
      connect: (store) => createRedisStore({ client: connections()[1], keyPrefix: store.keyPrefix }),
    },
  });
}
