import type { Client } from './client.ts';
import type { ResourceQueries } from './resource-queries.ts';
import type { ApiResource, ApiScope, IdentityResource, Resources } from './resources.ts';

/**
 * Where the token service finds clients (IdentityServer's `IClientStore`). Implementations: `@idsrv/store-memory`,
 * `@idsrv/store-redis`.
 *
 * Stores hold clients that passed validation; they return them with every default applied.
 */
export interface ClientStore {
  /**
   * The client with this id, or `undefined` when there is none. A disabled client is returned as it is (with
   * `enabled: false`): hiding it is the token service's job, so that administration tools can still see it.
   * Ids are compared exactly (case-sensitive).
   *
   * The result is read-only. A store should return the same object for as long as the client is unchanged (the memory
   * store returns a deep-frozen object), because the token service caches work per client by object identity on this
   * hot path; a store that returns a new object on every call is correct but slower.
   */
  findClientById(clientId: string): Promise<Client | undefined>;
  /**
   * Optional fast path: the client `findClientById` would resolve to right now, when the store holds it in memory and
   * may serve it from there (the same object, under the same freshness rules); `undefined` when it cannot answer
   * without I/O, or has no such client. Synchronous, no I/O. Callers fall back to `findClientById` on `undefined`.
   *
   * Why it exists: idsrv's token endpoint looks the client up on every request, and each promise costs there (oidc-
   * provider's request context makes every promise pay Node's async hooks).
   */
  findCachedClient?(clientId: string): Client | undefined;
}

/**
 * A client store that can be changed at run time (administration, `clients import`).
 * Each method is atomic for the one client it names.
 */
export interface MutableClientStore extends ClientStore {
  /** Validates and stores the client, replacing any client with the same id. @throws {ModelValidationError} */
  putClient(client: Client): Promise<void>;
  /** Removes the client; resolves to whether there was one. */
  removeClient(clientId: string): Promise<boolean>;
  /**
   * One page of clients in no particular order. Pass the returned `cursor` back to get the next page; a page without
   * a `cursor` is the last. A client changed during the listing may appear on two pages or not at all.
   */
  listClients(options?: { cursor?: string; limit?: number }): Promise<{ clients: Client[]; cursor?: string }>;
}

/**
 * Where the token service finds identity resources, API scopes and API resources (IdentityServer's
 * `IResourceStore`). Names are compared exactly; disabled resources are returned and filtered by the caller.
 * Results are read-only and may be shared between calls (the token endpoint reads resources on every request).
 */
export interface ResourceStore {
  /** Identity resources whose `name` is one of `scopeNames`. */
  findIdentityResourcesByScopeName(scopeNames: readonly string[]): Promise<IdentityResource[]>;
  /** API scopes whose `name` is one of `scopeNames`. */
  findApiScopesByName(scopeNames: readonly string[]): Promise<ApiScope[]>;
  /** API resources whose `scopes` contain any of `scopeNames`. */
  findApiResourcesByScopeName(scopeNames: readonly string[]): Promise<ApiResource[]>;
  /** API resources whose `name` is one of `apiResourceNames`. */
  findApiResourcesByName(apiResourceNames: readonly string[]): Promise<ApiResource[]>;
  /** Everything, for the discovery document and administration. */
  getAllResources(): Promise<Resources>;
  /**
   * Optional fast path: the four `find…` lookups answered synchronously from the snapshot of the resources the async
   * methods would read right now (the same answers, the same arrays), or `undefined` when the store has no snapshot it
   * may serve without I/O — callers then use the async methods. Build it with `resourceQueries(snapshot)`.
   * It exists for the same reason as {@link ClientStore.findCachedClient}.
   */
  cachedQueries?(): ResourceQueries | undefined;
}

/**
 * A stored oidc-provider model instance (`AccessToken`, `AuthorizationCode`, `Session`, `Grant`, `Interaction`, …).
 * Stores keep it opaque: they read only the fields named here.
 */
export interface OidcPayload {
  [key: string]: unknown;
  /** The grant this record belongs to; `revokeByGrantId` removes every record carrying it. */
  grantId?: string;
  /** Set on `Session`; `findByUid` looks it up. */
  uid?: string;
  /** Set on `DeviceCode`; `findByUserCode` looks it up. */
  userCode?: string;
  /** Seconds since the epoch at which the record was consumed; set by `consume`. */
  consumed?: number;
}

/**
 * The storage oidc-provider needs for one model name (its `Adapter` interface), with the guarantees idsrv adds.
 * One instance per model name; every store implements it and passes `@idsrv/store-test-suite`.
 *
 * - Times are seconds: `expiresIn` is a lifetime in seconds from now, `consumed` seconds since the epoch.
 * - A record is gone (`find` resolves `undefined`) once it expired, was destroyed, or its grant was revoked.
 * - A consumed record is still returned by `find`, with `consumed` set, so oidc-provider can detect reuse.
 */
export interface OidcAdapter {
  /**
   * Stores `payload` under `id`, replacing any previous record, to expire `expiresIn` seconds from now (no expiry
   * when `expiresIn` is undefined or 0). Indexes `grantId`, `uid` and `userCode` when present; the indexes expire with
   * the record.
   */
  upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  /**
   * Stores `payload` under `id`, to expire `expiresIn` seconds from now, only if `id` has no live record; resolves
   * `true` when it stored it, `false` (storing nothing) when a record was there. Atomic: of concurrent inserts of one
   * id, from any number of instances sharing the store, exactly one resolves `true`.
   *
   * It is what a once-only marker needs (oidc-provider's `ReplayDetection`: a client assertion's or a DPoP proof's
   * `jti`), where look-up-then-upsert would let two concurrent uses both pass. Such markers carry no index, so a
   * payload with a `grantId`, `uid` or `userCode` is refused with a `TypeError`, as is a missing or non-positive
   * `expiresIn`: a marker that never expires would grow the store without bound.
   */
  insert(id: string, payload: OidcPayload, expiresIn: number): Promise<boolean>;
  /** The record, or `undefined` when unknown, expired, destroyed or revoked. */
  find(id: string): Promise<OidcPayload | undefined>;
  /** The `Session` record whose `uid` this is, or `undefined`. */
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  /** The `DeviceCode` record whose `userCode` this is, or `undefined`. */
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  /**
   * Marks the record consumed (sets `consumed` to now, in seconds). Atomic: of concurrent calls for one id exactly one
   * resolves; the others, and any later call, reject with `AlreadyConsumedError`. Rejects with `RecordGoneError` when
   * the record does not exist (never stored, expired, destroyed or revoked) and creates nothing: oidc-provider consumes
   * only what it has just found, so a missing record means a concurrent redemption revoked it, and this one must fail.
   */
  consume(id: string): Promise<void>;
  /** Removes the record and its index entries. Idempotent. */
  destroy(id: string): Promise<void>;
  /**
   * Removes every record of this model name that carries this `grantId`, with its index entries. oidc-provider calls
   * it on each grant-bound model's adapter (codes, access and refresh tokens…) when a grant is revoked. Idempotent.
   */
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Creates the adapter of one oidc-provider model name (`'AccessToken'`, `'Session'`…); oidc-provider's `adapter`. */
export type OidcAdapterFactory = (modelName: string) => OidcAdapter;

/**
 * Everything idsrv stores, as one store package's factory returns it (`createMemoryStore(options)`,
 * `createRedisStore({ client, keyPrefix })`). Every call of a factory has its own state; every store passes
 * `@idsrv/store-test-suite`.
 */
export interface IdsrvStore {
  /** Clients, changeable at run time. */
  readonly clients: MutableClientStore;
  /** Identity resources, API scopes and API resources. */
  readonly resources: ResourceStore;
  /**
   * oidc-provider's `adapter` option, to pass as it is: `new Provider(issuer, { adapter: store.adapter })`. It is a
   * factory function that is not a constructor (an arrow function), so oidc-provider calls it once per model name.
   */
  readonly adapter: OidcAdapterFactory;
  /**
   * Stops the store's timers and releases what it owns (never a connection the caller passed in). Idempotent.
   */
  dispose(): Promise<void>;
}

/**
 * A throttle of failed sign-ins per username and per client IP address, shared by the login page
 * (`@idsrv/interactions`) and the password grant (`@idsrv/provider`). Implementations: `createLoginThrottle` of
 * `@idsrv/interactions` (this process's memory, synchronous) and the Redis store's `createLoginThrottle` (one count for
 * every instance on one Redis). Callers `await` every method, so either kind fits.
 *
 * - Usernames are counted case-insensitively; the window is fixed, in seconds, from the first failure it counts.
 * - A store that cannot answer (Redis down) rejects; callers then fail the sign-in rather than skip the check.
 */
export interface LoginThrottle {
  /** Seconds to wait before this username or IP may try again, or 0 when it may try now. */
  retryAfter(username: string, ip: string): number | Promise<number>;
  /** Counts a failed attempt against the username and the IP. */
  failed(username: string, ip: string): void | Promise<void>;
  /** Clears the username's count (the IP's stays: one success does not excuse many failures). */
  succeeded(username: string): void | Promise<void>;
}

/** The limits of a {@link LoginThrottle}: failures allowed per username and per IP within a fixed window. */
export interface LoginThrottleLimits {
  /** Failed attempts allowed per username (case-insensitive) within the window. @default 5 */
  maxFailuresPerUsername?: number;
  /** Failed attempts allowed per client IP address within the window. @default 20 */
  maxFailuresPerIp?: number;
  /** Length of the window, in seconds, from its first failure. @default 300 */
  windowSeconds?: number;
}

/** One claim of a user (IdentityServer's `Claim`): a type such as `name` or `email` and its value as text. */
export interface UserClaim {
  readonly type: string;
  readonly value: string;
}

/**
 * A user as the token service sees it, without any credential. `subjectId` is the stable `sub` of every token issued
 * for the user; `username` is what the user types on the login page.
 */
export interface User {
  readonly subjectId: string;
  readonly username: string;
  /** An inactive user cannot sign in, and tokens already issued for them stop working at userinfo. */
  readonly isActive: boolean;
  /**
   * Every claim of the user. Identity resources decide which of them go into id_tokens and userinfo; a type that
   * appears more than once is multi-valued (an array in tokens).
   */
  readonly claims: readonly UserClaim[];
}

/**
 * Where the token service finds users and checks their passwords (IdentityServer's `TestUserStore`, or the user
 * store of an ASP.NET Identity host). Implementations: `@idsrv/users` (`createTestUserStore`, from configuration).
 *
 * Usernames and subject ids are compared exactly (case-sensitive), as IdentityServer's test user store does.
 */
export interface UserStore {
  /** The user with this `sub`, active or not, or `undefined`. Called on every userinfo and token request. */
  findBySubjectId(subjectId: string): Promise<User | undefined>;
  /** The user with this username, active or not, or `undefined`. */
  findByUsername(username: string): Promise<User | undefined>;
  /**
   * The active user whose username and password these are, or `undefined` — for an unknown user, a wrong password
   * and an inactive user alike, so that the answer tells an attacker nothing. Implementations take the same time in
   * every case (they verify against a dummy hash when the user is unknown) and compare in constant time.
   */
  validateCredentials(username: string, password: string): Promise<User | undefined>;
}
