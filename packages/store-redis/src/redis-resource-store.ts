import {
  type ApiResourceInput,
  type ApiScopeInput,
  deepFreeze,
  type IdentityResourceInput,
  ModelValidationError,
  type ResourceQueries,
  type ResourceStore,
  type Resources,
  resourceQueries,
  validateDefinitions,
} from '@idsrv/model';
import type { ChangeFeed } from './change-feed.ts';
import type { RedisKeys } from './keys.ts';
import { guarded, type RedisConnection } from './redis-client.ts';

/** Resources as `putResources` takes them (defaults are applied on write). */
export interface ResourcesInput {
  identityResources?: readonly IdentityResourceInput[];
  apiScopes?: readonly ApiScopeInput[];
  apiResources?: readonly ApiResourceInput[];
}

/** A {@link ResourceStore} in Redis that can be replaced at run time. */
export interface RedisResourceStore extends ResourceStore {
  /**
   * Validates the resources together (as `createMemoryStore` does) and replaces every resource in Redis with them,
   * atomically (one key). Every instance sees the change at once (pub/sub). Resolves to whether anything changed.
   * @throws {ModelValidationError}
   */
  putResources(resources: ResourcesInput): Promise<boolean>;
  /** Always there on Redis: the cached snapshot's lookups while the subscription is live and within the cache TTL. */
  cachedQueries(): ResourceQueries | undefined;
}

export interface RedisResourceStoreOptions {
  client: RedisConnection;
  keys: RedisKeys;
  feed: ChangeFeed;
  /** Seconds the resources may be served from memory; see `clientCacheTtl`. @default 10 */
  cacheTtl?: number;
  now?: () => number;
}

interface Snapshot {
  raw: string | null;
  resources: Resources;
  fetchedAt: number;
}

const EMPTY: Resources = deepFreeze({ identityResources: [], apiScopes: [], apiResources: [] });

/**
 * Identity resources, API scopes and API resources in Redis, as one JSON value (`{prefix}resources`): there are few
 * of them, they are read on every token request, and replacing them all in one write keeps them consistent (an API
 * resource never names a scope that is not there). Cached and invalidated like clients.
 */
export function createRedisResourceStore(options: RedisResourceStoreOptions): RedisResourceStore {
  const { client: redis, keys, feed } = options;
  const now = options.now ?? Date.now;
  const ttlMs = (options.cacheTtl ?? 10) * 1000;
  let snapshot: Snapshot | undefined;

  feed.on((message) => {
    if (message === 'resources' || message === '*') snapshot = undefined;
  });

  const parse = (raw: string | null): Resources => {
    if (raw === null) return EMPTY;
    const { definitions, issues } = validateDefinitions(JSON.parse(raw));
    if (!definitions) throw new ModelValidationError(issues, { subject: 'resources stored in Redis' });
    const { identityResources, apiScopes, apiResources } = definitions;
    return deepFreeze({ identityResources, apiScopes, apiResources });
  };

  // The snapshot `current` may serve without reading Redis: live subscription, within the cache TTL.
  const servable = (): Snapshot | undefined =>
    ttlMs > 0 && feed.live && snapshot && now() - snapshot.fetchedAt < ttlMs ? snapshot : undefined;

  const current = (): Promise<Resources> =>
    guarded('read resources', async () => {
      const useCache = ttlMs > 0 && feed.live;
      const cached = useCache ? snapshot : undefined;
      const fresh = servable();
      if (fresh) return fresh.resources;
      const generation = feed.generation;
      const raw = await redis.get(keys.resources);
      if (cached && cached.raw === raw) {
        cached.fetchedAt = now();
        return cached.resources;
      }
      const resources = parse(raw);
      if (useCache && feed.live && generation === feed.generation) {
        snapshot = { raw, resources, fetchedAt: now() };
      }
      return resources;
    });

  return {
    // Indexed lookups over the current snapshot; repeated queries answer the same frozen array (see resourceQueries).
    async findIdentityResourcesByScopeName(scopeNames) {
      return resourceQueries(await current()).findIdentityResourcesByScopeName(scopeNames);
    },
    async findApiScopesByName(scopeNames) {
      return resourceQueries(await current()).findApiScopesByName(scopeNames);
    },
    async findApiResourcesByScopeName(scopeNames) {
      return resourceQueries(await current()).findApiResourcesByScopeName(scopeNames);
    },
    async findApiResourcesByName(names) {
      return resourceQueries(await current()).findApiResourcesByName(names);
    },
    cachedQueries() {
      const fresh = servable();
      return fresh ? resourceQueries(fresh.resources) : undefined;
    },
    async getAllResources() {
      const { identityResources, apiScopes, apiResources } = await current();
      return {
        identityResources: [...identityResources],
        apiScopes: [...apiScopes],
        apiResources: [...apiResources],
      };
    },
    async putResources(resources) {
      const { definitions, issues } = validateDefinitions({
        identityResources: [...(resources.identityResources ?? [])],
        apiScopes: [...(resources.apiScopes ?? [])],
        apiResources: [...(resources.apiResources ?? [])],
      });
      if (!definitions) throw new ModelValidationError(issues, { subject: 'resources' });
      const { identityResources, apiScopes, apiResources } = definitions;
      const raw = JSON.stringify({ identityResources, apiScopes, apiResources });
      return guarded('putResources', async () => {
        const previous = await redis.set(keys.resources, raw, 'GET');
        if (previous === raw) return false;
        snapshot = undefined;
        await feed.publish('resources');
        return true;
      });
    },
  } satisfies RedisResourceStore;
}
