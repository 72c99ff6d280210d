import { watch } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IdsrvError } from '@idsrv/model';
import {
  describeKeyRing,
  generateSigningKey,
  keyRingJwks,
  nextKeyRingChange,
  parseSigningKeys,
  rotateKeyRing,
  type SigningAlgorithm,
  type StoredKeyRing,
} from '@idsrv/provider';
import { subscribe } from '@idsrv/store-redis';
import type { JWK } from 'jose';
import type { RedisBackend } from './redis.ts';

/**
 * Where the server's signing-key ring lives: the development key file beside the configuration, or the shared keys in
 * Redis. The ring's rules (which key signs, which are published, what is pruned) are `@idsrv/provider`'s; this is
 * storage and change notification only.
 */
export interface KeyRingStore {
  /** For messages: the file, or the Redis key. */
  readonly description: string;
  /** @throws {IdsrvError} `ERR_CONFIG_NOT_FOUND` when there is no ring yet (no server has started). */
  load(): Promise<StoredKeyRing>;
  /**
   * Replaces the ring with `change(current)`. On Redis this is a compare-and-set, retried when another writer got
   * there first (`change` may then run more than once), and every instance is told at once.
   * @throws {IdsrvError} `ERR_STORE_CONFLICT` when the ring kept changing under it.
   */
  update(change: (ring: StoredKeyRing) => StoredKeyRing): Promise<StoredKeyRing>;
  /** Calls `listener` whenever the ring may have changed elsewhere; returns a function that stops it. */
  watch(listener: () => void): () => Promise<void>;
}

/** The development key file (`tempkey.jwk.json` beside the configuration), as written by `loadOrCreateDevelopmentKeys`. */
export function developmentKeyFile(configFile: string): string {
  return join(dirname(configFile), 'tempkey.jwk.json');
}

/** The ring in a JSON file: a private JWKS with `keyTimes` (and the file's other fields, such as cookie keys). */
export function fileKeyRingStore(file: string): KeyRingStore {
  const load = async (): Promise<StoredKeyRing> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new IdsrvError(
        'ERR_CONFIG_NOT_FOUND',
        `${file} does not exist: \`idsrv serve\` creates the development key file on its first start`,
      );
    }
    parseSigningKeys(text, file);
    return JSON.parse(text) as StoredKeyRing;
  };
  return {
    description: file,
    load,
    async update(change) {
      const next = change(await load());
      // Write beside and rename, so that a server reading the file never sees half of it.
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, file);
      return next;
    },
    watch(listener) {
      // The folder, not the file: a rename replaces the file the watcher would be attached to.
      const watcher = watch(dirname(file), (_event, name) => {
        if (name === basename(file)) listener();
      });
      watcher.on('error', () => {});
      watcher.unref();
      return async () => watcher.close();
    },
  };
}

/** Compare-and-set of one key: replaces ARGV[1] by ARGV[2], or returns 0 when the value is no longer ARGV[1]. */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const UPDATE_ATTEMPTS = 5;

/**
 * The ring in Redis, inside the instances' shared keys (`{prefix}server:keys`, see `./redis.ts`). Writers announce a
 * change on `{prefix}server:keys:changed`; every instance subscribes with a connection of its own.
 */
export function redisKeyRingStore(backend: Pick<RedisBackend, 'client' | 'store'>): KeyRingStore {
  const { client } = backend;
  const key = backend.store.keys.serverKeys;
  const channel = `${key}:changed`;
  const read = async () => {
    const text = await client.get(key);
    if (text === null) {
      throw new IdsrvError(
        'ERR_CONFIG_NOT_FOUND',
        `Redis holds no signing keys at '${key}': \`idsrv serve --redis\` creates them on its first start`,
      );
    }
    return { text, ring: JSON.parse(text) as StoredKeyRing };
  };
  return {
    description: `Redis key '${key}'`,
    load: async () => (await read()).ring,
    async update(change) {
      for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
        const { text, ring } = await read();
        const next = change(ring);
        const written = await client.eval(COMPARE_AND_SET, 1, key, text, JSON.stringify(next));
        if (written === 1) {
          await client.publish(channel, 'changed');
          return next;
        }
      }
      throw new IdsrvError(
        'ERR_STORE_CONFLICT',
        `the key ring at '${key}' changed ${UPDATE_ATTEMPTS} times while it was being updated; try again`,
      );
    },
    watch(listener) {
      // Looked at again each time the subscription holds (again): a notice may have been missed while it was down.
      const subscription = subscribe({ client, channel, onMessage: listener, onLive: listener });
      return () => subscription.close();
    },
  };
}

/** Options of {@link rotateKeys}. */
export interface RotateKeysOptions {
  /** Seconds the new key is published before it signs. */
  activationDelay: number;
  /** Seconds superseded keys stay published after the new key activates (the longest token lifetime). */
  retention: number;
  /** Algorithm of the new key. @default the signing key's */
  alg?: SigningAlgorithm;
  /** The clock, ms since the epoch. @default Date.now() */
  now?: number;
}

/** Adds a new signing key to the ring in `store` (see `rotateKeyRing`); resolves with the new key's `kid` and the ring. */
export async function rotateKeys(
  store: KeyRingStore,
  options: RotateKeysOptions,
): Promise<{ kid: string; ring: StoredKeyRing }> {
  const now = options.now ?? Date.now();
  const current = await store.load();
  const signing = describeKeyRing(current, now).find((k) => k.state === 'signing');
  const key = await generateSigningKey(options.alg ?? ((signing?.alg ?? 'ES256') as SigningAlgorithm));
  const ring = await store.update((stored) =>
    rotateKeyRing(stored, {
      key,
      now,
      activationDelay: options.activationDelay,
      retention: options.retention,
    }),
  );
  return { kid: key.kid as string, ring };
}

/** Options of {@link watchKeyRing}. */
export interface WatchKeyRingOptions {
  store: KeyRingStore;
  /** The ring the running provider was built from. */
  ring: StoredKeyRing;
  /** Builds a provider with `jwks` and puts it in service; a rejection keeps the current one (and is logged). */
  apply(jwks: { keys: JWK[] }): Promise<void>;
  /**
   * Upper bound (ms) between two reads of the ring, should a change notice be lost (or, for the file, not delivered).
   * @default 60_000
   */
  intervalMs?: number;
  log?: (line: string) => void;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Keeps a server's signing keys in step with its ring without a restart. oidc-provider fixes its keys when it is
 * constructed, so each change means a new provider (same stores, new `jwks`) that the caller swaps in. The ring is
 * read again on a change notice (Redis pub/sub, or the file changing), at each key's activation and retirement time,
 * and at least every `intervalMs`; a provider is built only when the JWKS it would get differs.
 */
export function watchKeyRing(options: WatchKeyRingOptions): { close(): Promise<void> } {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 60_000;
  let inUse = fingerprint(keyRingJwks(options.ring, now()));
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const schedule = (ring: StoredKeyRing | undefined) => {
    if (closed) return;
    clearTimeout(timer);
    const next = ring ? nextKeyRingChange(ring, now()) : undefined;
    // A few ms past the activation time, so that the check sees the key as active.
    const wait = next === undefined ? interval : Math.min(interval, Math.max(0, next - now() + 5));
    timer = setTimeout(() => void check(), wait);
    timer.unref();
  };

  const check = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    let ring: StoredKeyRing | undefined;
    try {
      ring = await options.store.load();
      const jwks = keyRingJwks(ring, now());
      const print = fingerprint(jwks);
      if (print !== inUse && !closed) {
        await options.apply(jwks);
        inUse = print;
        options.log?.(
          `  signing keys from ${options.store.description}: ${jwks.keys[0]?.kid} signs, ${jwks.keys.length} published`,
        );
      }
    } catch (error) {
      options.log?.(
        `  signing keys from ${options.store.description} not applied: ${(error as Error).message}`,
      );
    } finally {
      running = false;
      schedule(ring ?? options.ring);
    }
    if (again) {
      again = false;
      await check();
    }
  };

  const stopWatching = options.store.watch(() => void check());
  schedule(options.ring);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await stopWatching();
    },
  };
}

// What decides the provider's behaviour: the keys in order and which may sign. The kid is the key's thumbprint.
function fingerprint(jwks: { keys: JWK[] }): string {
  return jwks.keys.map((k) => `${k.kid}:${k.key_ops?.join(',') ?? 'sign'}`).join(' ');
}
