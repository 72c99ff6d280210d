export {
  createMemoryAdapter,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_SWEEP_INTERVAL,
  type MemoryAdapterFactory,
  type MemoryAdapterOptions,
  type MemoryAdapterStats,
  type MemoryEvictionEvent,
  type MemoryFullPolicy,
} from './memory-adapter.ts';
export {
  createMemoryClientStore,
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  type MemoryClientStoreOptions,
} from './memory-client-store.ts';
export { createMemoryResourceStore, type MemoryResourceStoreOptions } from './memory-resource-store.ts';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
