export { type ChangeFeed, createChangeFeed } from './change-feed.ts';
export { createKeys, DEFAULT_KEY_PREFIX, escapeGlob, type RedisKeys } from './keys.ts';
export { createRedisAdapter, type RedisAdapterOptions } from './redis-adapter.ts';
export {
  countKeys,
  type RedisConnection,
  RedisStoreUnavailableError,
} from './redis-client.ts';
export {
  createRedisClientStore,
  DEFAULT_CLIENT_CACHE_SIZE,
  DEFAULT_CLIENT_CACHE_TTL,
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  type RedisClientStore,
  type RedisClientStoreOptions,
} from './redis-client-store.ts';
export { createRedisLoginThrottle, type RedisLoginThrottleOptions } from './redis-login-throttle.ts';
export {
  createRedisResourceStore,
  type RedisResourceStore,
  type RedisResourceStoreOptions,
  type ResourcesInput,
} from './redis-resource-store.ts';
export {
  createRedisStore,
  type ImportReport,
  type RedisStore,
  type RedisStoreDefinitions,
  type RedisStoreOptions,
} from './redis-store.ts';
export {
  RESUBSCRIBE_DELAY_MS,
  type Subscription,
  type SubscriptionOptions,
  subscribe,
} from './subscription.ts';
