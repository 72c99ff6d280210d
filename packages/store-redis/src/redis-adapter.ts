import {
  AlreadyConsumedError,
  assertInsertable,
  type OidcAdapter,
  type OidcAdapterFactory,
  type OidcPayload,
  RecordGoneError,
} from '@idsrv/model';
import type { RedisKeys } from './keys.ts';
import { guarded, type RedisConnection, runScript } from './redis-client.ts';
import {
  CONSUME,
  DELETE_IF,
  INSERT_RECORD,
  REMOVE_RECORD,
  REVOKE_GRANT,
  WRITE_POINTER,
  WRITE_RECORD,
} from './scripts.ts';

/** How many records one `REVOKE_GRANT` script removes at most (a long script blocks Redis for everyone). */
const REVOKE_BATCH = 200;

/** Options of {@link createRedisAdapter}. */
export interface RedisAdapterOptions {
  /** The connection (single node or Cluster); the caller owns it. */
  client: RedisConnection;
  keys: RedisKeys;
  /** The clock, in ms since the epoch, for `consumed`. @default Date.now */
  now?: () => number;
}

/** A Redis hash as ioredis returns it from HGETALL: an empty object when the key does not exist. */
type RecordHash = { p?: string; c?: string; g?: string; u?: string; uc?: string };

const indexValue = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Lifetime in ms for PEXPIRE ('0': none); `undefined` for a negative lifetime (the record is removed). */
function lifetimeMs(expiresIn: number | undefined): number | undefined {
  if (expiresIn === undefined || expiresIn === 0) return 0;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) {
    throw new TypeError(`expiresIn must be a number of seconds, got ${String(expiresIn)}`);
  }
  if (expiresIn < 0) return undefined;
  // At least 1 ms: PEXPIRE 0 would delete the key at once.
  return Math.max(1, Math.round(expiresIn * 1000));
}

function decode(hash: RecordHash): OidcPayload | undefined {
  if (hash.p === undefined) return undefined;
  const payload = JSON.parse(hash.p) as OidcPayload;
  if (hash.c !== undefined) payload.consumed = Number(hash.c);
  return payload;
}

/**
 * Creates the oidc-provider adapter factory over Redis: pass it as oidc-provider's `adapter` option (it is an arrow
 * function, so oidc-provider calls it once per model name).
 *
 * - Payloads are stored opaquely (JSON) with their lifetime as the key's own expiry (`PEXPIRE`, from seconds).
 * - A record with a `grantId` lives in its grant's hash slot (`{grantId}` hash tag) beside the grant index, and is
 *   written together with its index entry by one Lua script; its id key holds a pointer to the grant. So `find` of a
 *   grant-bound record costs two round trips, and `revokeByGrantId` removes a grant's records with one script per
 *   200 records, all in one slot, on a single node and on Redis Cluster alike.
 * - `consume` is one Lua script on the record's key: of concurrent redemptions, from any number of instances,
 *   exactly one resolves; the others reject with `AlreadyConsumedError` (`RecordGoneError` when the record is gone).
 *   `insert` (once-only markers such as `ReplayDetection`) is one script on the record's key too.
 * - Every Redis failure rejects with {@link RedisStoreUnavailableError} (`ERR_STORE_UNAVAILABLE`, HTTP 503).
 */
export function createRedisAdapter(options: RedisAdapterOptions): OidcAdapterFactory {
  const { client, keys } = options;
  const now = options.now ?? Date.now;
  const adapters = new Map<string, OidcAdapter>();

  const createModelAdapter = (model: string): OidcAdapter => {
    /** The live record behind an id key: itself, or the grant-bound record it points to. */
    const load = async (id: string): Promise<OidcPayload | undefined> => {
      const head = (await client.hgetall(keys.record(model, id))) as RecordHash;
      if (head.p !== undefined) return decode(head);
      if (head.g === undefined) return undefined;
      return decode((await client.hgetall(keys.grantRecord(model, head.g, id))) as RecordHash);
    };

    /** Removes a grant-bound record from its grant (the record and its index entry), returning its uid/userCode. */
    const removeFromGrant = async (grantId: string, id: string) =>
      (await runScript(
        client,
        REMOVE_RECORD,
        [keys.grantRecord(model, grantId, id), keys.grantIndex(model, grantId)],
        [id],
      )) as [string | null, string | null, string | null];

    /** Drops uid/userCode index entries that still point at `id` (another record may own them by now). */
    const unindex = async (
      id: string,
      uid: string | null | undefined,
      userCode: string | null | undefined,
    ) => {
      await Promise.all([
        uid ? runScript(client, DELETE_IF, [keys.uid(model, uid)], [id]) : undefined,
        userCode ? runScript(client, DELETE_IF, [keys.userCode(model, userCode)], [id]) : undefined,
      ]);
    };

    const destroy = async (id: string): Promise<void> => {
      const [grantId, uid, userCode] = (await runScript(
        client,
        REMOVE_RECORD,
        [keys.record(model, id)],
        [id],
      )) as [string | null, string | null, string | null];
      if (grantId) {
        const [, grantUid, grantUserCode] = await removeFromGrant(grantId, id);
        await unindex(id, grantUid, grantUserCode);
      } else {
        await unindex(id, uid, userCode);
      }
    };

    return {
      upsert: async (id, payload, expiresIn) => {
        // Checked and serialised before Redis is involved: a bad lifetime or a payload that is not JSON is the
        // caller's error (TypeError), not the store's.
        const ttl = lifetimeMs(expiresIn);
        const json = JSON.stringify(payload);
        return guarded(`upsert ${model}`, async () => {
          if (ttl === undefined) return destroy(id);
          const consumed =
            payload.consumed === undefined || payload.consumed === null ? '' : String(payload.consumed);
          const uid = indexValue(payload.uid);
          const userCode = indexValue(payload.userCode);
          const grantId = indexValue(payload.grantId);
          const args = [json, consumed, uid ?? '', userCode ?? '', ttl, id];
          const setIndex = (key: string) => (ttl > 0 ? client.set(key, id, 'PX', ttl) : client.set(key, id));

          // The lookup indexes go first: once a record is written it can be found by uid and userCode. Each is one
          // key in its own slot; a stale entry (a replaced record's old uid) is harmless, lookups check the record.
          await Promise.all([
            uid ? setIndex(keys.uid(model, uid)) : undefined,
            userCode ? setIndex(keys.userCode(model, userCode)) : undefined,
          ]);
          let previousGrant: string | null;
          if (grantId) {
            // The record and its grant index entry are written by one script in the grant's slot, so a grant-bound
            // record can never exist unindexed (revokeByGrantId would miss it). The pointer follows: until it is
            // written `find` does not see the new record, which no one has been given yet.
            await runScript(
              client,
              WRITE_RECORD,
              [keys.grantRecord(model, grantId, id), keys.grantIndex(model, grantId)],
              args,
            );
            previousGrant = (await runScript(
              client,
              WRITE_POINTER,
              [keys.record(model, id)],
              [grantId, ttl],
            )) as string | null;
          } else {
            previousGrant = (await runScript(client, WRITE_RECORD, [keys.record(model, id)], args)) as
              | string
              | null;
          }
          // The record moved (a DeviceCode that got its grant, or a new grant): the old copy must not linger where
          // revoking the old grant would no longer find it.
          if (previousGrant && previousGrant !== grantId) await removeFromGrant(previousGrant, id);
        });
      },

      insert: async (id, payload, expiresIn) => {
        assertInsertable(model, payload, expiresIn);
        const args = [JSON.stringify(payload), lifetimeMs(expiresIn)!];
        return guarded(
          `insert ${model}`,
          async () => (await runScript(client, INSERT_RECORD, [keys.record(model, id)], args)) === 1,
        );
      },

      find: (id) => guarded(`find ${model}`, () => load(id)),

      findByUid: (uid) =>
        guarded(`findByUid ${model}`, async () => {
          const id = await client.get(keys.uid(model, uid));
          if (id === null) return undefined;
          const payload = await load(id);
          return payload?.uid === uid ? payload : undefined;
        }),

      findByUserCode: (userCode) =>
        guarded(`findByUserCode ${model}`, async () => {
          const id = await client.get(keys.userCode(model, userCode));
          if (id === null) return undefined;
          const payload = await load(id);
          return payload?.userCode === userCode ? payload : undefined;
        }),

      consume: (id) =>
        guarded(`consume ${model}`, async () => {
          const at = String(Math.floor(now() / 1000));
          let result = await runScript(client, CONSUME, [keys.record(model, id)], [at]);
          if (Array.isArray(result)) {
            result = await runScript(client, CONSUME, [keys.grantRecord(model, String(result[0]), id)], [at]);
          }
          if (result === 2) throw new AlreadyConsumedError(model, id);
          // 0: no such record (a pointer or record removed since oidc-provider found it) — never a silent success.
          if (result === 0) throw new RecordGoneError(model, id);
        }),

      destroy: (id) => guarded(`destroy ${model}`, () => destroy(id)),

      revokeByGrantId: (grantId) =>
        guarded(`revokeByGrantId ${model}`, async () => {
          const index = keys.grantIndex(model, grantId);
          // Read the ids, then remove them with scripts that name every key (all in this grant's slot). A record
          // added between the two steps is not revoked, exactly as if it had been written after the revocation.
          const ids = await client.zrange(index, '0', '-1');
          for (let start = 0; start < ids.length; start += REVOKE_BATCH) {
            const batch = ids.slice(start, start + REVOKE_BATCH);
            const removed = (await runScript(
              client,
              REVOKE_GRANT,
              [index, ...batch.map((id) => keys.grantRecord(model, grantId, id))],
              batch,
            )) as [string | null, string | null][];
            // Pointers and lookup indexes live in other slots: one small script each, only where they still
            // point here.
            await Promise.all(
              batch.map((id, i) =>
                Promise.all([
                  runScript(client, DELETE_IF, [keys.record(model, id)], [grantId, 'g']),
                  unindex(id, removed[i]?.[0], removed[i]?.[1]),
                ]),
              ),
            );
          }
        }),
    } satisfies OidcAdapter;
  };

  // An arrow function has no prototype, so oidc-provider calls it (`adapter(name)`) rather than `new adapter(name)`.
  return (modelName: string): OidcAdapter => {
    if (typeof modelName !== 'string' || modelName === '' || /[{}]/.test(modelName)) {
      throw new TypeError(`an adapter needs a model name without '{' or '}', got ${String(modelName)}`);
    }
    let adapter = adapters.get(modelName);
    if (!adapter) {
      adapter = createModelAdapter(modelName);
      adapters.set(modelName, adapter);
    }
    return adapter;
  };
}
