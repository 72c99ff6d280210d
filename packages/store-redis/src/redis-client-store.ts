import {
  type Client,
  deepFreeze,
  ModelValidationError,
  type MutableClientStore,
  validateClientDefinition,
} from '@idsrv/model';
import type { ChangeFeed } from './change-feed.ts';
import type { RedisKeys } from './keys.ts';
import { guarded, type RedisConnection, scanTargets } from './redis-client.ts';

/** Default page size of `listClients`. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page `listClients` returns, whatever `limit` asks for. */
export const MAX_LIST_LIMIT = 1000;
/** Default of `clientCacheTtl`, in seconds. */
export const DEFAULT_CLIENT_CACHE_TTL = 10;
/** Default of `clientCacheSize`, in clients. */
export const DEFAULT_CLIENT_CACHE_SIZE = 10_000;

/** Options of {@link createRedisClientStore}. */
export interface RedisClientStoreOptions {
  client: RedisConnection;
  keys: RedisKeys;
  feed: ChangeFeed;
  /**
   * Seconds a client read from Redis may be served from this instance's memory. Changes made on any instance reach
   * every cache through pub/sub at once; this is the bound on staleness should a message be lost while the
   * subscription looked healthy. 0 turns the cache off (every `findClientById` reads Redis). @default 10
   */
  clientCacheTtl?: number;
  /** The most clients cached; the oldest entry goes first. @default 10_000 */
  clientCacheSize?: number;
  /** The clock, in ms. @default Date.now */
  now?: () => number;
}

/** A {@link MutableClientStore} in Redis, with what `clients import` needs. */
export interface RedisClientStore extends MutableClientStore {
  /**
   * Stores the client unless Redis already holds the same definition; resolves to what happened. Validation as
   * `putClient`.
   */
  putClientIfChanged(client: Client): Promise<'created' | 'updated' | 'unchanged'>;
  /** Always there on Redis: the cached client while the subscription is live and within `clientCacheTtl`. */
  findCachedClient(clientId: string): Client | undefined;
}

interface Cached {
  readonly raw: string;
  readonly client: Client;
  fetchedAt: number;
}

/**
 * Clients in Redis, one JSON string per client (`{prefix}client:{clientId}`), validated through `@idsrv/model` on
 * write and again on read (a definition edited by hand in Redis cannot reach the token service unchecked).
 *
 * `findClientById` is on the token endpoint's hot path, so clients are cached in memory, deep-frozen: the same object
 * is returned while the client is unchanged. A cached client is served only while the change feed's subscription is
 * live and for at most `clientCacheTtl` seconds; a change on any instance drops it everywhere (pub/sub).
 *
 * `listClients` pages with SCAN (never KEYS), over every master of a Cluster.
 */
export function createRedisClientStore(options: RedisClientStoreOptions): RedisClientStore {
  const { client: redis, keys, feed } = options;
  const now = options.now ?? Date.now;
  const ttlMs = (options.clientCacheTtl ?? DEFAULT_CLIENT_CACHE_TTL) * 1000;
  const maxSize = options.clientCacheSize ?? DEFAULT_CLIENT_CACHE_SIZE;
  const cache = new Map<string, Cached>();
  const keyLength = keys.client('').length;

  // An invalidated entry is marked stale rather than dropped: the next read goes to Redis, and if the definition there
  // is unchanged (a message about a change that was undone, a reconnection) the same object is handed out again.
  feed.on((message) => {
    if (message.startsWith('client:')) {
      const entry = cache.get(message.slice('client:'.length));
      if (entry) entry.fetchedAt = Number.NEGATIVE_INFINITY;
    } else if (message === '*') {
      for (const entry of cache.values()) entry.fetchedAt = Number.NEGATIVE_INFINITY;
    }
  });

  const parse = (clientId: string, raw: string): Client => {
    const { client, issues } = validateClientDefinition(JSON.parse(raw));
    if (!client) throw new ModelValidationError(issues, { subject: `client '${clientId}' stored in Redis` });
    return deepFreeze(client);
  };

  const validate = (client: Client): Client => {
    const { client: valid, issues } = validateClientDefinition(client);
    if (!valid) {
      const id = (client as { clientId?: unknown } | null)?.clientId;
      throw new ModelValidationError(issues, { subject: `client '${String(id)}'` });
    }
    return valid;
  };

  const changed = async (clientId: string) => {
    const entry = cache.get(clientId);
    if (entry) entry.fetchedAt = Number.NEGATIVE_INFINITY;
    await feed.publish(`client:${clientId}`);
  };

  // The cached entry findClientById may serve without reading Redis: live subscription, within clientCacheTtl.
  const servable = (cached: Cached | undefined): Client | undefined =>
    cached && ttlMs > 0 && feed.live && now() - cached.fetchedAt < ttlMs ? cached.client : undefined;

  const store: RedisClientStore = {
    findClientById: (clientId) =>
      guarded('findClientById', async () => {
        const useCache = ttlMs > 0 && feed.live;
        const cached = ttlMs > 0 ? cache.get(clientId) : undefined;
        const hit = servable(cached);
        if (hit) return hit;
        const generation = feed.generation;
        const raw = await redis.get(keys.client(clientId));
        if (raw === null) {
          cache.delete(clientId);
          return undefined;
        }
        // Unchanged since it was cached: keep handing out the same object (the provider caches work by identity).
        if (cached && cached.raw === raw) {
          if (useCache && feed.live && generation === feed.generation) cached.fetchedAt = now();
          return cached.client;
        }
        const client = parse(clientId, raw);
        if (ttlMs > 0) {
          if (cache.size >= maxSize && !cache.has(clientId)) {
            const oldest = cache.keys().next().value;
            if (oldest !== undefined) cache.delete(oldest);
          }
          // Served from memory only if no invalidation can have overtaken the GET (a change announced while it was
          // in flight bumped the generation); otherwise kept stale, for its identity should Redis hold it unchanged.
          const fresh = useCache && feed.live && generation === feed.generation;
          cache.set(clientId, { raw, client, fetchedAt: fresh ? now() : Number.NEGATIVE_INFINITY });
        }
        return client;
      }),

    // Only what findClientById would serve from memory now; anything else is its job (a read of Redis).
    findCachedClient: (clientId) => servable(cache.get(clientId)),

    putClient: async (client) => {
      await store.putClientIfChanged(client);
    },

    putClientIfChanged: async (client) => {
      const valid = validate(client);
      const raw = JSON.stringify(valid);
      return guarded('putClient', async () => {
        const previous = await redis.set(keys.client(valid.clientId), raw, 'GET');
        if (previous === raw) return 'unchanged';
        await changed(valid.clientId);
        return previous === null ? 'created' : 'updated';
      });
    },

    removeClient: (clientId) =>
      guarded('removeClient', async () => {
        const removed = (await redis.del(keys.client(clientId))) > 0;
        await changed(clientId);
        return removed;
      }),

    listClients: async (listOptions = {}) => {
      const limit = listOptions.limit ?? DEFAULT_LIST_LIMIT;
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new RangeError(`listClients: limit must be a whole number of at least 1, got ${String(limit)}`);
      }
      const pageSize = Math.min(limit, MAX_LIST_LIMIT);
      return guarded('listClients', async () => {
        const targets = scanTargets(redis);
        let state =
          listOptions.cursor === undefined ? { n: 0, c: '0', k: [] } : decodeCursor(listOptions.cursor);
        const ids: string[] = [...state.k];
        // SCAN may return more keys than asked for; what does not fit on this page rides in the cursor, so every
        // key SCAN returns is listed exactly once.
        while (ids.length < pageSize && state.n < targets.length) {
          const [next, found] = await targets[state.n]!.scan(
            state.c,
            'MATCH',
            keys.clientPattern,
            'COUNT',
            Math.max(pageSize, 100),
          );
          ids.push(...found.map((key) => key.slice(keyLength)));
          state = next === '0' ? { n: state.n + 1, c: '0', k: [] } : { n: state.n, c: next, k: [] };
        }
        const page = ids.slice(0, pageSize);
        const rest = ids.slice(pageSize);
        const raws = await getMany(
          redis,
          page.map((id) => keys.client(id)),
        );
        const clients: Client[] = [];
        page.forEach((id, i) => {
          const raw = raws[i];
          // Removed between SCAN and MGET: not listed.
          if (raw !== null && raw !== undefined) clients.push(parse(id, raw));
        });
        const done = rest.length === 0 && state.n >= targets.length;
        return done ? { clients } : { clients, cursor: encodeCursor({ ...state, k: rest }) };
      });
    },
  } satisfies RedisClientStore;

  return store;
}

/** MGET on a single node; on a Cluster, where MGET must stay in one slot, one GET per key (sent concurrently). */
async function getMany(redis: RedisConnection, list: string[]): Promise<(string | null)[]> {
  if (list.length === 0) return [];
  if (redis.isCluster) return Promise.all(list.map((key) => redis.get(key)));
  return redis.mget(...list);
}

interface CursorState {
  /** Index of the node being scanned (always 0 on a single node). */
  n: number;
  /** SCAN cursor on that node. */
  c: string;
  /** Ids SCAN returned that did not fit on the previous page. */
  k: string[];
}

const encodeCursor = (state: CursorState): string => Buffer.from(JSON.stringify(state)).toString('base64url');

function decodeCursor(cursor: string): CursorState {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
    if (Number.isInteger(state.n) && typeof state.c === 'string' && Array.isArray(state.k)) return state;
  } catch {
    // fall through
  }
  throw new RangeError('listClients: the cursor is not one this store returned');
}
