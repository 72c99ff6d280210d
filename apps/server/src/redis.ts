import { randomBytes } from 'node:crypto';
import { type Definitions, IdsrvError } from '@idsrv/model';
import { generateSigningKey, type SigningAlgorithm, type StoredKeyRing } from '@idsrv/provider';
import { createRedisStore, type RedisConnection, type RedisStore } from '@idsrv/store-redis';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { JWK } from 'jose';
import {
  CLUSTER_OR_SENTINEL,
  describeRedis,
  SENTINEL_CREDENTIALS_NEED_SENTINEL,
  TLS_CERT_NEEDS_KEY,
  TLS_FILES_NEED_REDISS,
} from './redis-section.ts';

/** TLS material for a `rediss://` Redis: PEM contents (not file paths). */
export interface RedisTlsOptions {
  /** CA certificate(s) to trust, in place of Node's default CAs (and NODE_EXTRA_CA_CERTS). */
  ca?: string | Buffer;
  /** Client certificate (chain), for a Redis that requires one (`tls-auth-clients yes`); with {@link key}. */
  cert?: string | Buffer;
  /** The client certificate's private key; with {@link cert}. */
  key?: string | Buffer;
}

/** Where the server keeps its state when it runs on Redis. */
export interface RedisServerOptions {
  /**
   * `redis://[user:password@]host:port[/db]` (or `rediss://`). For a Cluster, one or more seed nodes separated by
   * commas: `redis://10.0.0.1:6379,10.0.0.2:6379`.
   */
  url: string;
  /** @default 'idsrv:' */
  keyPrefix?: string;
  /** Treat `url` as seed nodes of a Redis Cluster. @default false */
  cluster?: boolean;
  /**
   * The name of the master that Redis Sentinel monitors (`sentinel monitor NAME …`): `url` then lists the sentinels,
   * `redis://[user:password@]sentinel1:26379,redis://sentinel2:26379`, and the client connects to whichever node the
   * sentinels name master now, again after a failover. The first URL's user and password are the master's.
   * Not with `cluster`. @default undefined (no Sentinel)
   */
  sentinel?: string;
  /**
   * The sentinels' own password (their `requirepass`), when they have one; the master's is in `url`. Only with
   * `sentinel`. @default undefined
   */
  sentinelPassword?: string;
  /** The sentinels' ACL user, with {@link sentinelPassword}. Only with `sentinel`. @default undefined */
  sentinelUsername?: string;
  /**
   * A CA to trust and a client certificate, for `rediss://` URLs: used on every connection (each Cluster node, the
   * sentinels and the master). Only with `rediss://`. @default undefined (Node's CAs, no client certificate)
   */
  tls?: RedisTlsOptions;
  /**
   * The most clients this instance keeps in memory after reading them from Redis (`serve` only). More clients in use
   * than this means lookups in Redis, and a new client instance each time one comes back. @default 10 000
   */
  clientCacheSize?: number;
  /**
   * Seconds a cached client may be served before it is read again (`serve` only): the bound on staleness should a
   * change message be lost; 0 turns the cache off. @default 10
   */
  clientCacheTtl?: number;
}

/** How long the server waits for Redis at start before it gives up, in ms. */
const STARTUP_TIMEOUT_MS = 10_000;

/**
 * ioredis options that make requests fail fast while Redis is unreachable, instead of queueing until it returns:
 * no offline queue (a command while disconnected is rejected at once), one retry, a 2 s command timeout. The client
 * keeps reconnecting in the background (every 100 ms to 1 s), so service resumes by itself when Redis is back.
 */
export const FAIL_FAST_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 2000,
  retryStrategy: (times: number) => Math.min(times * 100, 1000),
} satisfies RedisOptions;

/** Opens the connection described by `options` (not yet necessarily ready). */
export function connectRedis(options: RedisServerOptions): RedisConnection {
  if (options.cluster && options.sentinel) {
    throw new IdsrvError('ERR_CONFIG_INVALID', `Redis: ${CLUSTER_OR_SENTINEL}`);
  }
  if (!options.sentinel && (options.sentinelPassword || options.sentinelUsername)) {
    throw new IdsrvError('ERR_CONFIG_INVALID', `Redis: ${SENTINEL_CREDENTIALS_NEED_SENTINEL}`);
  }
  const tlsFiles = options.tls;
  if (tlsFiles && Boolean(tlsFiles.cert) !== Boolean(tlsFiles.key)) {
    throw new IdsrvError('ERR_CONFIG_INVALID', `Redis: ${TLS_CERT_NEEDS_KEY}`);
  }
  if (tlsFiles && !/^rediss:\/\//i.test(options.url.trim())) {
    throw new IdsrvError('ERR_CONFIG_INVALID', `Redis: ${TLS_FILES_NEED_REDISS}`);
  }
  // What every TLS connection gets: Node's defaults (`{}`), or the given CA and client certificate.
  const tlsOptions = { ...tlsFiles };
  if (!options.cluster && !options.sentinel)
    return new Redis(options.url, { ...FAIL_FAST_OPTIONS, ...(tlsFiles ? { tls: tlsOptions } : {}) });
  const urls = options.url
    .split(',')
    .map((entry) => new URL(entry.includes('://') ? entry : `redis://${entry}`));
  const nodes = urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) }));
  // Credentials and TLS of the first URL apply to every data node (with Sentinel: the master and its replicas).
  const first = urls[0]!;
  const tls = first.protocol === 'rediss:';
  const credentials = {
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
  };
  if (options.sentinel) {
    return new Redis({
      ...FAIL_FAST_OPTIONS,
      sentinels: nodes,
      name: options.sentinel,
      // Asking the sentinels again after a failed attempt, as often as the connection itself retries.
      sentinelRetryStrategy: FAIL_FAST_OPTIONS.retryStrategy,
      ...credentials,
      ...(tls ? { tls: tlsOptions, sentinelTLS: tlsOptions, enableTLSForSentinelMode: true } : {}),
      ...(options.sentinelUsername ? { sentinelUsername: options.sentinelUsername } : {}),
      ...(options.sentinelPassword ? { sentinelPassword: options.sentinelPassword } : {}),
    });
  }
  const { retryStrategy: _unused, ...nodeOptions } = FAIL_FAST_OPTIONS;
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: false,
    clusterRetryStrategy: (times) => Math.min(times * 100, 1000),
    redisOptions: {
      ...nodeOptions,
      ...credentials,
      ...(tls ? { tls: tlsOptions } : {}),
    },
  };
  return new Cluster(nodes, clusterOptions);
}

/**
 * Resolves once the connection is ready; rejects with `ERR_STORE_UNAVAILABLE` after `timeoutMs`, naming the last
 * connection error (a refused password says `NOAUTH` or `WRONGPASS` there, rather than only "did not answer").
 */
function whenReady(client: RedisConnection, what: string, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: string | undefined;
    const onError = (error: Error) => {
      lastError = error.message;
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      client.off('error', onError);
      const because = lastError ? ` Last error: ${lastError}` : '';
      reject(
        new IdsrvError(
          'ERR_STORE_UNAVAILABLE',
          `Redis at ${what} did not answer within ${timeoutMs / 1000} s. Is it running, and are the URL and passwords right?${because}`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.on('error', onError);
  });
}

/** What every instance of one server must share, stored once in Redis (`{prefix}server:keys`). */
export interface SharedServerKeys {
  /**
   * Private signing JWKs, newest first, with their rotation times (`keyTimes`): a key ring (see `StoredKeyRing` in
   * @idsrv/provider and ./key-ring.ts) that `idsrv keys rotate --redis` changes. Without `keyTimes`, the first signs.
   */
  keys: JWK[];
  keyTimes?: StoredKeyRing['keyTimes'];
  /** Cookie-signing keys; the first signs. */
  cookieKeys: string[];
  /** oidc-provider's `features.dPoP.nonceSecret` (32 bytes, base64url), so any instance accepts another's nonces. */
  dpopNonceSecret: string;
}

/** The server's Redis: the connection it owns, the store, the shared keys and the readiness check. */
export interface RedisBackend {
  readonly client: RedisConnection;
  readonly store: RedisStore;
  /**
   * The signing keys, cookie keys and DPoP nonce secret every instance uses: created by the first instance that
   * starts on this Redis and key prefix (with a new `alg` key), read by every other one.
   */
  sharedKeys(alg: SigningAlgorithm): Promise<SharedServerKeys>;
  /** Readiness: resolves with the PING time in ms, rejects while Redis does not answer. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects to Redis and opens the store. On the first start on an empty key prefix the configuration's clients and
 * resources are imported (so that `serve --redis` on a fresh Redis works like the memory store); after that, Redis is
 * the source of truth and `idsrv clients import` copies a file's definitions into it.
 */
export async function openRedisBackend(options: {
  redis: RedisServerOptions;
  definitions?: Definitions;
  log?: (line: string) => void;
}): Promise<RedisBackend> {
  const client = connectRedis(options.redis);
  // A connection error is reported by the requests that fail; without a listener ioredis would print each one.
  client.on('error', () => {});
  try {
    await whenReady(client, describeRedis(options.redis), STARTUP_TIMEOUT_MS);
  } catch (error) {
    client.disconnect();
    throw error;
  }
  const { keyPrefix, clientCacheSize, clientCacheTtl } = options.redis;
  const store = createRedisStore({
    client,
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    ...(clientCacheSize !== undefined ? { clientCacheSize } : {}),
    ...(clientCacheTtl !== undefined ? { clientCacheTtl } : {}),
  });
  if (options.definitions && (await isEmpty(client, store))) {
    const report = await store.importDefinitions(options.definitions);
    options.log?.(
      `  Redis ${describeRedis(options.redis)} had no clients under '${store.keyPrefix}': imported ` +
        `${report.clients.created.length} client(s) and the resources from the configuration`,
    );
  }
  return {
    client,
    store,
    sharedKeys: (alg) =>
      store.sharedServerState<SharedServerKeys>(async () => {
        const key = await generateSigningKey(alg);
        return {
          keys: [key],
          keyTimes: { [key.kid as string]: { createdAt: new Date().toISOString() } },
          cookieKeys: [randomBytes(32).toString('base64url')],
          dpopNonceSecret: randomBytes(32).toString('base64url'),
        };
      }),
    ping: () => store.ping(),
    async close() {
      await store.dispose();
      client.disconnect();
    },
  };
}

async function isEmpty(client: RedisConnection, store: RedisStore): Promise<boolean> {
  if ((await client.exists(store.keys.resources)) > 0) return false;
  return (await store.clients.listClients({ limit: 1 })).clients.length === 0;
}

/**
 * oidc-provider configuration with the shared DPoP nonce secret added (`features.dPoP.nonceSecret`): a nonce one
 * instance issued is accepted by every other. Without shared keys (the memory store) `configuration` is returned as
 * it is.
 */
export function withSharedDPoPNonce<C extends { features?: object } | undefined>(
  configuration: C,
  shared: SharedServerKeys | undefined,
): C {
  if (!shared) return configuration;
  const features = (configuration?.features ?? {}) as { dPoP?: object };
  return {
    ...configuration,
    features: {
      ...features,
      dPoP: { ...features.dPoP, nonceSecret: Buffer.from(shared.dpopNonceSecret, 'base64url') },
    },
  } as C;
}
