import {
  type ApiResourceInput,
  type ApiScopeInput,
  type ClientInput,
  type IdentityResourceInput,
  type IdsrvStore,
  type LoginThrottle,
  type LoginThrottleLimits,
  ModelValidationError,
  type OidcAdapterFactory,
  validateDefinitions,
} from '@idsrv/model';
import { createChangeFeed } from './change-feed.ts';
import { createKeys, DEFAULT_KEY_PREFIX, type RedisKeys } from './keys.ts';
import { createRedisAdapter } from './redis-adapter.ts';
import { countKeys, guarded, type RedisConnection } from './redis-client.ts';
import { createRedisClientStore, type RedisClientStore } from './redis-client-store.ts';
import { createRedisLoginThrottle } from './redis-login-throttle.ts';
import { createRedisResourceStore, type RedisResourceStore } from './redis-resource-store.ts';

/** How many clients `importDefinitions` writes at once. */
const IMPORT_BATCH = 100;

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis 6 `Redis` (single node) or `Cluster`. The caller creates, connects and closes it; the store never
   * does. For fail-fast behaviour when Redis is down, create it with `enableOfflineQueue: false` (and, for a
   * Cluster, the same in `redisOptions`), `maxRetriesPerRequest: 1` and a `commandTimeout` (see the README).
   */
  client: RedisConnection;
  /**
   * Put before every key; instances that share it share everything (clients, resources, sessions, tokens, keys).
   * No `{` or `}`: they are Cluster hash tags. @default 'idsrv:'
   */
  keyPrefix?: string;
  /**
   * The connection that subscribes to change announcements (pub/sub needs a connection of its own). The store does
   * not close one passed in. @default one of its own (a duplicate of `client`; on a Cluster, a connection to one
   * node, see `subscribe`), closed by `dispose()`
   */
  subscriber?: RedisConnection;
  /**
   * Seconds a client (or the resources) read from Redis may be served from this instance's memory. Changes reach
   * every instance's cache through pub/sub at once; this bounds staleness should a message be lost. 0: no cache.
   * @default 10
   */
  clientCacheTtl?: number;
  /** The most clients cached per instance. @default 10_000 */
  clientCacheSize?: number;
  /** The clock, in ms since the epoch (for `consumed` and cache ages). @default Date.now */
  now?: () => number;
}

/** Definitions to import, as `createMemoryStore` takes them (and `@idsrv/config-loader` produces them). */
export interface RedisStoreDefinitions {
  clients?: readonly ClientInput[];
  identityResources?: readonly IdentityResourceInput[];
  apiScopes?: readonly ApiScopeInput[];
  apiResources?: readonly ApiResourceInput[];
}

/** What {@link RedisStore.importDefinitions} changed. */
export interface ImportReport {
  clients: { created: string[]; updated: string[]; unchanged: string[]; removed: string[] };
  /** `'skipped'` when the definitions held no resources. */
  resources: 'updated' | 'unchanged' | 'skipped';
}

/** What {@link createRedisStore} returns: an {@link IdsrvStore} with Redis's extras. */
export interface RedisStore extends IdsrvStore {
  readonly keyPrefix: string;
  /** The key builders (the layout in the README), for tools and tests that look at Redis directly. */
  readonly keys: RedisKeys;
  readonly clients: RedisClientStore;
  readonly resources: RedisResourceStore;
  readonly adapter: OidcAdapterFactory;
  /**
   * Validates the definitions together (as `createMemoryStore` does: rules, duplicates, scopes) and writes them:
   * each client unless Redis holds the same one, and the resources (replacing all) when any are given. Idempotent;
   * reports what changed. With `prune`, clients in Redis that are not in the definitions are removed.
   * @throws {ModelValidationError} listing every problem; nothing is written then.
   */
  importDefinitions(definitions: RedisStoreDefinitions, options?: { prune?: boolean }): Promise<ImportReport>;
  /**
   * State every instance must share (signing keys, cookie keys, the DPoP nonce secret): the value stored under
   * `{prefix}server:keys`, or, when there is none, `create()`'s, stored with `SET NX` so that of instances starting
   * together exactly one value wins and all use it.
   */
  sharedServerState<T>(create: () => T | Promise<T>): Promise<T>;
  /**
   * Whether this instance's change subscription is live, so that its client and resource cache is in use. False
   * until the subscriber connection has subscribed, and whenever it is down (reads then go to Redis).
   */
  readonly subscribed: boolean;
  /**
   * A login throttle counted in this store's Redis, under its prefix: every instance sharing the store shares the
   * counts (see {@link createRedisLoginThrottle}). Give the same one to the login page and the password grant.
   */
  createLoginThrottle(limits?: LoginThrottleLimits): LoginThrottle;
  /** Round trip time of a PING in ms; rejects with `ERR_STORE_UNAVAILABLE` when Redis does not answer. */
  ping(): Promise<number>;
  /** Counts this store's adapter keys with SCAN (every master of a Cluster). For tests and operators. */
  countAdapterKeys(): Promise<number>;
}

/**
 * Creates an idsrv store in Redis (a single node or a Redis Cluster): clients, resources and the oidc-provider
 * adapter for every model, shared by every instance that uses the same Redis and `keyPrefix`.
 *
 * The store does not own `client`: `dispose()` only closes the subscriber connection it created.
 *
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when `keyPrefix` holds a `{` or `}`.
 * @example
 * import { Redis } from 'ioredis';
 * const client = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
 * const store = createRedisStore({ client, keyPrefix: 'idsrv:' });
 * await store.importDefinitions({ clients, apiScopes });
 * const provider = new Provider('https://id.example.com', { adapter: store.adapter });
 * // on shutdown
 * await store.dispose();
 * client.disconnect();
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { client } = options;
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const keys = createKeys(keyPrefix);
  const now = options.now ?? Date.now;
  const feed = createChangeFeed({
    client,
    channel: keys.changes,
    ...(options.subscriber ? { subscriber: options.subscriber } : {}),
  });
  const clients = createRedisClientStore({
    client,
    keys,
    feed,
    now,
    ...(options.clientCacheTtl !== undefined ? { clientCacheTtl: options.clientCacheTtl } : {}),
    ...(options.clientCacheSize !== undefined ? { clientCacheSize: options.clientCacheSize } : {}),
  });
  const resources = createRedisResourceStore({
    client,
    keys,
    feed,
    now,
    ...(options.clientCacheTtl !== undefined ? { cacheTtl: options.clientCacheTtl } : {}),
  });
  const adapter = createRedisAdapter({ client, keys, now });

  const store: RedisStore = {
    get subscribed() {
      return feed.live;
    },
    keyPrefix,
    keys,
    clients,
    resources,
    adapter,

    async importDefinitions(definitions, importOptions = {}) {
      const withResources =
        definitions.identityResources !== undefined ||
        definitions.apiScopes !== undefined ||
        definitions.apiResources !== undefined;
      const { definitions: valid, issues } = validateDefinitions({
        clients: [...(definitions.clients ?? [])],
        identityResources: [...(definitions.identityResources ?? [])],
        apiScopes: [...(definitions.apiScopes ?? [])],
        apiResources: [...(definitions.apiResources ?? [])],
      });
      if (!valid) throw new ModelValidationError(issues, { subject: 'redis store definitions' });

      const report: ImportReport = {
        clients: { created: [], updated: [], unchanged: [], removed: [] },
        resources: 'skipped',
      };
      // Resources first: a client imported before its scopes exist would be served with scopes nothing defines.
      if (withResources) report.resources = (await resources.putResources(valid)) ? 'updated' : 'unchanged';
      // Concurrently, a batch at a time: an import of 100 000 clients takes seconds, not one round trip after another.
      for (let start = 0; start < valid.clients.length; start += IMPORT_BATCH) {
        const batch = valid.clients.slice(start, start + IMPORT_BATCH);
        const outcomes = await Promise.all(batch.map((c) => clients.putClientIfChanged(c)));
        for (const [i, outcome] of outcomes.entries()) report.clients[outcome].push(batch[i]!.clientId);
      }
      if (importOptions.prune) {
        const keep = new Set(valid.clients.map((c) => c.clientId));
        const stale: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await clients.listClients({ limit: 1000, ...(cursor ? { cursor } : {}) });
          for (const c of page.clients) if (!keep.has(c.clientId)) stale.push(c.clientId);
          cursor = page.cursor;
        } while (cursor !== undefined);
        for (const id of stale) if (await clients.removeClient(id)) report.clients.removed.push(id);
      }
      return report;
    },

    sharedServerState: <T>(create: () => T | Promise<T>) =>
      guarded('read shared server state', async () => {
        const existing = await client.get(keys.serverKeys);
        if (existing !== null) return JSON.parse(existing) as T;
        const created = await create();
        // NX: of several instances starting at once, the first write wins and the others read it back.
        const written = await client.set(keys.serverKeys, JSON.stringify(created), 'NX');
        if (written === 'OK') return created;
        return JSON.parse((await client.get(keys.serverKeys)) as string) as T;
      }),

    createLoginThrottle: (limits = {}) => createRedisLoginThrottle({ ...limits, client, keys }),

    ping: () =>
      guarded('ping', async () => {
        const start = performance.now();
        await client.ping();
        return performance.now() - start;
      }),

    countAdapterKeys: () => guarded('count adapter keys', () => countKeys(client, keys.adapterPattern)),

    async dispose() {
      await feed.close();
    },
  } satisfies RedisStore;
  return store;
}
