import {
  AlreadyConsumedError,
  assertInsertable,
  IdsrvError,
  type OidcAdapter,
  type OidcAdapterFactory,
  type OidcPayload,
  RecordGoneError,
} from '@idsrv/model';
import { ExpiryHeap, type HeapItem } from './expiry-heap.ts';

/** Default of {@link MemoryAdapterOptions.maxEntries}. */
export const DEFAULT_MAX_ENTRIES = 100_000;
/** Default of {@link MemoryAdapterOptions.sweepInterval}, in seconds. */
export const DEFAULT_SWEEP_INTERVAL = 60;

// setInterval cannot wait longer than 2^31-1 ms (Node.js then fires after 1 ms instead, with a warning).
const MAX_SWEEP_INTERVAL = Math.floor(2 ** 31 / 1000) - 1;

/**
 * What the memory adapter does when an `upsert` would hold more than `maxEntries` records.
 *
 * - `'evict-soonest-expiring'`: reclaim expired records, then evict the live records that would expire soonest
 *   (records without expiry last, the least recently written of them first). The request that needed the room
 *   succeeds; `onEvict` reports every eviction.
 * - `'reject'`: the `upsert` rejects with an `IdsrvError` of code `ERR_STORE_UNAVAILABLE` and nothing is evicted.
 *   Replacing a record that exists always succeeds (it does not add one).
 */
export type MemoryFullPolicy = 'evict-soonest-expiring' | 'reject';

/** One record evicted to make room (see {@link MemoryFullPolicy}). */
export interface MemoryEvictionEvent {
  /** The oidc-provider model name (`'Session'`, `'AccessToken'`…). */
  modelName: string;
  /**
   * When the record would have expired, in milliseconds since the epoch; `undefined` when it had no expiry.
   * The record's id is not given: for opaque tokens the id is the token itself, which must not reach a log.
   */
  expiresAt: number | undefined;
}

/** Options of {@link createMemoryAdapter} (and of `createMemoryStore`). */
export interface MemoryAdapterOptions {
  /**
   * The most oidc-provider records held at once, summed over every model name (index entries are not counted).
   * @default 100_000
   */
  maxEntries?: number;
  /**
   * What happens when `maxEntries` is reached; see {@link MemoryFullPolicy}.
   * @default 'evict-soonest-expiring'
   */
  whenFull?: MemoryFullPolicy;
  /** Called, synchronously, for every record evicted to make room. An exception it throws is ignored. */
  onEvict?: (event: MemoryEvictionEvent) => void;
  /**
   * Seconds between two sweeps that reclaim expired records. The timer is unref'd (it never keeps the process
   * alive) and stops on `dispose()`. 0 disables it: expired records are then reclaimed only when read, and before
   * each write, which keeps memory bounded but lets an idle store hold expired records until the next write.
   * @default 60
   */
  sweepInterval?: number;
  /**
   * The clock, in milliseconds since the epoch. Tests pass a controllable one.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * A snapshot of what the memory adapter holds, for metrics and tests. Taking it changes nothing: expired records not
 * yet reclaimed are counted (call `sweep()` first to leave them out).
 */
export interface MemoryAdapterStats {
  /** Records held, including expired ones not yet reclaimed. */
  records: number;
  /** Records held per model name (names with no record are left out). */
  recordsByModel: Record<string, number>;
  /** Index entries held: one per indexed `uid`, per indexed `userCode`, and per record carrying a `grantId`. */
  indexEntries: number;
  /** The configured cap. */
  maxEntries: number;
  /** Records evicted to make room since the adapter was created. */
  evicted: number;
  /** Expired records reclaimed (on access, on write, or by the sweep) since the adapter was created. */
  reclaimed: number;
}

/**
 * oidc-provider's `adapter` option (a factory function, not a constructor, so oidc-provider calls it once per model
 * name), with what the memory store adds for operators and tests.
 */
export interface MemoryAdapterFactory extends OidcAdapterFactory {
  /** What the adapter holds now; see {@link MemoryAdapterStats}. */
  stats(): MemoryAdapterStats;
  /** Reclaims every expired record now; returns how many. The periodic sweep calls this. */
  sweep(): number;
  /**
   * Stops the sweep timer and drops every record. Later calls of any adapter reject with an `IdsrvError` of code
   * `ERR_STORE_UNAVAILABLE`, so that a provider still running on a disposed store fails loudly. Idempotent.
   */
  dispose(): void;
}

interface Entry extends HeapItem {
  readonly modelName: string;
  readonly id: string;
  /** The store's own copy; never handed out. */
  payload: OidcPayload;
}

interface ModelSpace {
  readonly records: Map<string, Entry>;
  readonly byGrantId: Map<string, Set<string>>;
  readonly byUid: Map<string, string>;
  readonly byUserCode: Map<string, string>;
}

/**
 * Creates an in-memory oidc-provider adapter factory: every model name gets an {@link OidcAdapter} over one shared,
 * bounded storage. Pass it as oidc-provider's `adapter` option.
 *
 * - Lifetimes are seconds (`expiresIn`); an expired record is gone for every lookup at once and its memory is
 *   reclaimed lazily (when read, before each write) and by an unref'd periodic sweep (`sweepInterval`).
 * - Records are copied in and out with `structuredClone`: changing a payload after `upsert`, or the object `find`
 *   returned, never changes what is stored.
 * - `consume` is atomic (one synchronous check-and-set on Node's single thread): of concurrent redemptions exactly
 *   one resolves and the others reject with `AlreadyConsumedError`; a missing record rejects with `RecordGoneError`.
 *   `insert` is atomic the same way: of concurrent inserts of one id exactly one resolves `true`.
 * - At most `maxEntries` records are held; see {@link MemoryFullPolicy} for what happens when the cap is reached.
 *
 * State lives in the returned factory, never in the module: two calls share nothing. Data is lost on restart and
 * not shared between processes; use `@idsrv/store-redis` for that.
 *
 * @example
 * const adapter = createMemoryAdapter({ maxEntries: 10_000 });
 * const provider = new Provider('https://id.example.com', { adapter });
 * // on shutdown
 * adapter.dispose();
 */
export function createMemoryAdapter(options: MemoryAdapterOptions = {}): MemoryAdapterFactory {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `memory store: maxEntries must be a whole number of at least 1, got ${String(maxEntries)}`,
    );
  }
  const whenFull = options.whenFull ?? 'evict-soonest-expiring';
  if (whenFull !== 'evict-soonest-expiring' && whenFull !== 'reject') {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `memory store: whenFull must be 'evict-soonest-expiring' or 'reject', got '${String(whenFull)}'`,
    );
  }
  const sweepInterval = options.sweepInterval ?? DEFAULT_SWEEP_INTERVAL;
  if (!Number.isFinite(sweepInterval) || sweepInterval < 0 || sweepInterval > MAX_SWEEP_INTERVAL) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `memory store: sweepInterval must be between 0 (no sweep) and ${MAX_SWEEP_INTERVAL} seconds, got ${String(sweepInterval)}`,
    );
  }
  const now = options.now ?? Date.now;
  const onEvict = options.onEvict;

  const spaces = new Map<string, ModelSpace>();
  const adapters = new Map<string, OidcAdapter>();
  const heap = new ExpiryHeap<Entry>();
  let seq = 0;
  let evicted = 0;
  let reclaimed = 0;
  let disposed = false;

  const spaceOf = (modelName: string): ModelSpace => {
    let space = spaces.get(modelName);
    if (!space) {
      space = { records: new Map(), byGrantId: new Map(), byUid: new Map(), byUserCode: new Map() };
      spaces.set(modelName, space);
    }
    return space;
  };

  const assertOpen = (): void => {
    if (disposed) {
      throw new IdsrvError(
        'ERR_STORE_UNAVAILABLE',
        'memory store: the store was disposed; create a new one (createMemoryStore) instead of reusing it',
      );
    }
  };

  const indexValue = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : undefined;

  const index = (space: ModelSpace, entry: Entry): void => {
    const { id, payload } = entry;
    const grantId = indexValue(payload.grantId);
    if (grantId !== undefined) {
      const ids = space.byGrantId.get(grantId);
      if (ids) ids.add(id);
      else space.byGrantId.set(grantId, new Set([id]));
    }
    const uid = indexValue(payload.uid);
    if (uid !== undefined) space.byUid.set(uid, id);
    const userCode = indexValue(payload.userCode);
    if (userCode !== undefined) space.byUserCode.set(userCode, id);
  };

  const unindex = (space: ModelSpace, entry: Entry): void => {
    const { id, payload } = entry;
    const grantId = indexValue(payload.grantId);
    if (grantId !== undefined) {
      const ids = space.byGrantId.get(grantId);
      ids?.delete(id);
      if (ids?.size === 0) space.byGrantId.delete(grantId);
    }
    // Another record may have taken the uid or user code since: only drop the entry if it still points here.
    const uid = indexValue(payload.uid);
    if (uid !== undefined && space.byUid.get(uid) === id) space.byUid.delete(uid);
    const userCode = indexValue(payload.userCode);
    if (userCode !== undefined && space.byUserCode.get(userCode) === id) space.byUserCode.delete(userCode);
  };

  const remove = (entry: Entry): void => {
    const space = spaces.get(entry.modelName);
    if (!space || space.records.get(entry.id) !== entry) return;
    space.records.delete(entry.id);
    unindex(space, entry);
    heap.remove(entry);
  };

  const reclaimExpired = (at: number): number => {
    let count = 0;
    for (let next = heap.peek(); next !== undefined && next.expiresAt <= at; next = heap.peek()) {
      remove(next);
      count++;
    }
    reclaimed += count;
    return count;
  };

  /** The live entry, or `undefined`; an expired entry found on the way is reclaimed. */
  const live = (space: ModelSpace, id: string | undefined, at: number): Entry | undefined => {
    if (id === undefined) return undefined;
    const entry = space.records.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= at) {
      remove(entry);
      reclaimed++;
      return undefined;
    }
    return entry;
  };

  const makeRoom = (modelName: string): void => {
    if (heap.size < maxEntries) return;
    if (whenFull === 'reject') {
      throw new IdsrvError(
        'ERR_STORE_UNAVAILABLE',
        `memory store is full: it holds ${maxEntries} records (maxEntries) and cannot store this ${modelName}. ` +
          "Raise maxEntries, choose whenFull: 'evict-soonest-expiring', or use a shared store such as @idsrv/store-redis.",
      );
    }
    while (heap.size >= maxEntries) {
      const victim = heap.peek()!;
      remove(victim);
      evicted++;
      if (onEvict) {
        try {
          onEvict({
            modelName: victim.modelName,
            expiresAt: Number.isFinite(victim.expiresAt) ? victim.expiresAt : undefined,
          });
        } catch {
          // A failing observer must not fail the write that needed the room.
        }
      }
    }
  };

  const expiryOf = (expiresIn: number | undefined, at: number): number => {
    if (expiresIn === undefined || expiresIn === 0) return Number.POSITIVE_INFINITY;
    if (typeof expiresIn !== 'number' || Number.isNaN(expiresIn) || expiresIn === Number.POSITIVE_INFINITY) {
      throw new TypeError(`expiresIn must be a number of seconds, got ${String(expiresIn)}`);
    }
    return at + expiresIn * 1000;
  };

  const createModelAdapter = (modelName: string): OidcAdapter => {
    const space = spaceOf(modelName);
    const copyOut = (entry: Entry | undefined): OidcPayload | undefined =>
      entry ? structuredClone(entry.payload) : undefined;
    /** Stores a new record (the caller made sure `id` has none), making room first. */
    const add = (id: string, payload: OidcPayload, expiresAt: number): void => {
      makeRoom(modelName);
      const entry: Entry = { modelName, id, payload, expiresAt, seq: seq++, heapIndex: -1 };
      space.records.set(id, entry);
      heap.push(entry);
      index(space, entry);
    };

    return {
      async upsert(id, payload, expiresIn) {
        assertOpen();
        const at = now();
        const expiresAt = expiryOf(expiresIn, at);
        // Clone before touching state, so a payload that cannot be cloned leaves the store as it was.
        const copy = structuredClone(payload);
        reclaimExpired(at);
        const existing = space.records.get(id);
        if (expiresAt <= at) {
          // A negative lifetime: the replacement is already expired, so the id simply has no record any more.
          if (existing) remove(existing);
          return;
        }
        if (existing) {
          unindex(space, existing);
          existing.payload = copy;
          existing.expiresAt = expiresAt;
          existing.seq = seq++;
          heap.update(existing);
          index(space, existing);
          return;
        }
        add(id, copy, expiresAt);
      },

      async insert(id, payload, expiresIn) {
        assertOpen();
        assertInsertable(modelName, payload, expiresIn);
        const at = now();
        const copy = structuredClone(payload);
        // Look-up and write with no await in between: Node runs this to completion, so of concurrent inserts of one
        // id exactly one finds nothing.
        if (live(space, id, at)) return false;
        reclaimExpired(at);
        add(id, copy, expiryOf(expiresIn, at));
        return true;
      },

      async find(id) {
        assertOpen();
        return copyOut(live(space, id, now()));
      },

      async findByUid(uid) {
        assertOpen();
        const entry = live(space, space.byUid.get(uid), now());
        return entry?.payload.uid === uid ? copyOut(entry) : undefined;
      },

      async findByUserCode(userCode) {
        assertOpen();
        const entry = live(space, space.byUserCode.get(userCode), now());
        return entry?.payload.userCode === userCode ? copyOut(entry) : undefined;
      },

      async consume(id) {
        assertOpen();
        const at = now();
        const entry = live(space, id, at);
        if (!entry) throw new RecordGoneError(modelName, id);
        // Check and set with no await in between: Node runs this to completion, so it is atomic.
        if (entry.payload.consumed !== undefined && entry.payload.consumed !== null) {
          throw new AlreadyConsumedError(modelName, id);
        }
        entry.payload.consumed = Math.floor(at / 1000);
      },

      async destroy(id) {
        assertOpen();
        const entry = space.records.get(id);
        if (entry) remove(entry);
      },

      async revokeByGrantId(grantId) {
        assertOpen();
        const ids = space.byGrantId.get(grantId);
        if (!ids) return;
        for (const id of [...ids]) {
          const entry = space.records.get(id);
          if (entry) remove(entry);
        }
        space.byGrantId.delete(grantId);
      },
    } satisfies OidcAdapter;
  };

  const sweep = (): number => (disposed ? 0 : reclaimExpired(now()));

  const timer = sweepInterval > 0 ? setInterval(sweep, sweepInterval * 1000) : undefined;
  // The sweep only reclaims memory: it must never be the reason a process stays alive.
  timer?.unref();

  // An arrow function has no prototype, so oidc-provider calls it (`adapter(name)`) rather than `new adapter(name)`.
  const factory = (modelName: string): OidcAdapter => {
    assertOpen();
    if (typeof modelName !== 'string' || modelName === '') {
      throw new TypeError(`an adapter needs a model name, got ${String(modelName)}`);
    }
    let adapter = adapters.get(modelName);
    if (!adapter) {
      adapter = createModelAdapter(modelName);
      adapters.set(modelName, adapter);
    }
    return adapter;
  };

  return Object.assign(factory, {
    stats(): MemoryAdapterStats {
      const recordsByModel: Record<string, number> = {};
      let indexEntries = 0;
      for (const [modelName, space] of spaces) {
        if (space.records.size > 0) recordsByModel[modelName] = space.records.size;
        indexEntries += space.byUid.size + space.byUserCode.size;
        for (const ids of space.byGrantId.values()) indexEntries += ids.size;
      }
      return { records: heap.size, recordsByModel, indexEntries, maxEntries, evicted, reclaimed };
    },
    sweep,
    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (timer) clearInterval(timer);
      heap.clear();
      spaces.clear();
      adapters.clear();
    },
  }) satisfies MemoryAdapterFactory;
}
