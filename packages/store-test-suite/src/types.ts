import type {
  ApiResourceInput,
  ApiScopeInput,
  ClientInput,
  IdentityResourceInput,
  IdsrvStore,
} from '@idsrv/model';

/**
 * The store under test: what a store package's factory returns (`createMemoryStore(options)`,
 * `createRedisStore({ client, keyPrefix })`). It is `@idsrv/model`'s `IdsrvStore`: `clients`, `resources`,
 * `adapter` (oidc-provider's `adapter` option) and `dispose()`.
 */
export type StoreUnderTest = IdsrvStore;

/**
 * Definitions a store starts with, as `createMemoryStore` takes them (and `@idsrv/config-loader` produces them).
 * Resource stores are read-only, so this is how the suite gives a store resources to find.
 */
export interface StoreSeed {
  clients?: ClientInput[];
  identityResources?: IdentityResourceInput[];
  apiScopes?: ApiScopeInput[];
  apiResources?: ApiResourceInput[];
}

/**
 * A clock the test controls, shared by every store `create` returns (the memory store's `now` option). With it the
 * suite moves time forward instead of waiting for lifetimes to run out.
 */
export interface TestClock {
  /** The current time, in milliseconds since the epoch, as the stores see it. */
  now(): number;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void | Promise<void>;
}

/**
 * A second path into the backend, around the store's own API, so the suite can check what is really held (a raw
 * Redis `SCAN` and `PTTL`; the memory adapter's `stats()`). Each function gets the test's store.
 */
export interface StoreInspector<S extends StoreUnderTest = StoreUnderTest> {
  /**
   * How many raw entries the backend holds for oidc-provider records and their indexes (not clients or resources),
   * leaving out what has expired. A Redis store counts its keys under the adapter's prefix; the memory store counts
   * records plus index entries.
   */
  countAdapterKeys(store: S): Promise<number>;
  /**
   * The remaining lifetime, in seconds, the backend itself has for a record: `undefined` when the record has no
   * expiry, `null` when there is no such record. Optional: without it the tests that need it are skipped.
   */
  ttl?(store: S, modelName: string, id: string): Promise<number | null | undefined>;
}

/** Optional features and hooks of the store under test. Every test that needs one is skipped, with the reason, without it. */
export interface StoreCapabilities<S extends StoreUnderTest = StoreUnderTest> {
  /** See {@link TestClock}. Without it the suite waits in real time, polling until a lifetime has run out. */
  clock?: TestClock;
  /** See {@link StoreInspector}. */
  inspect?: StoreInspector<S>;
  /**
   * Opens a second store over the same backend as `store`, as a second idsrv process would (same Redis, same key
   * prefix). The suite disposes it. Stores whose state is private to one instance (memory) leave it out.
   */
  connect?: (store: S) => StoreUnderTest | Promise<StoreUnderTest>;
  /**
   * Whether to run the tests that start a real oidc-provider on the store's adapter (`oidc-provider` must be
   * installed, it is a peer dependency). @default true
   */
  oidcProvider?: boolean;
}

/** Options of `testStore`. */
export interface TestStoreOptions<S extends StoreUnderTest = StoreUnderTest> {
  /** Shown in the test names: `'memory'`, `'redis'`. */
  name: string;
  /**
   * Returns a new store that shares no state with any store returned before (the Redis store: a fresh key prefix),
   * holding `seed` when given. It must validate the seed like the package's factory does (a bad seed rejects, or
   * throws, a `ModelValidationError`). The suite disposes every store it creates.
   */
  create: (seed?: StoreSeed) => S | Promise<S>;
  /** @default {} */
  capabilities?: StoreCapabilities<S>;
}
