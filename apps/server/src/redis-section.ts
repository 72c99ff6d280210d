import { z } from 'zod';

/**
 * The `Redis` section of appsettings.json, bound like the `IdentityServer` section (keys case-insensitive, and
 * `Redis__Url=…` in the environment): `{ "Redis": { "Url": "redis://127.0.0.1:6379", "KeyPrefix": "idsrv:",
 * "Cluster": false, "Sentinel": "mymaster", "SentinelPassword": "…" } }` (`Sentinel`: the master's name; `Url` then
 * lists the sentinels; `SentinelPassword`/`SentinelUsername`: the sentinels' own, best from the environment,
 * `Redis__SentinelPassword=…`; `TlsCa`, `TlsCert`, `TlsKey`: PEM files for `rediss://`, relative to the configuration
 * file's folder; `ClientCacheSize`, `ClientCacheTtl`: each instance's client cache, in clients and seconds).
 * `serve --redis URL` wins over it. Kept apart from `./redis.ts` so that reading the configuration (`check`) loads
 * neither ioredis nor oidc-provider.
 */
/** Why a Redis target cannot be both: the configuration check and the connection say the same. */
export const CLUSTER_OR_SENTINEL =
  'Cluster and Sentinel exclude each other: a Cluster fails over by itself (give each master a replica)';

/** Why sentinel credentials alone are refused: without `Sentinel` nothing would use them. */
export const SENTINEL_CREDENTIALS_NEED_SENTINEL =
  'SentinelPassword and SentinelUsername (--redis-sentinel-password, --redis-sentinel-username) are for the sentinels: they need Sentinel (--redis-sentinel, the master name)';

/** Why a client certificate alone (or its key alone) is refused: TLS needs both to present it. */
export const TLS_CERT_NEEDS_KEY =
  'TlsCert and TlsKey (--redis-tls-cert, --redis-tls-key) go together: the client certificate and its private key';

/** Why TLS files with a `redis://` URL are refused: they would be ignored, and the connection would be in clear. */
export const TLS_FILES_NEED_REDISS =
  'TlsCa, TlsCert and TlsKey (--redis-tls-ca, --redis-tls-cert, --redis-tls-key) are for TLS: the URL must be rediss://';

export const redisSectionSchema = z
  .strictObject({
    url: z.string().min(1).optional(),
    keyPrefix: z.string().optional(),
    cluster: z.boolean().default(false),
    // The master's name in Redis Sentinel; `url` then lists the sentinels.
    sentinel: z.string().min(1).optional(),
    // The sentinels' own credentials (their `requirepass`); the master's are in `url`.
    sentinelPassword: z.string().min(1).optional(),
    sentinelUsername: z.string().min(1).optional(),
    // PEM files for rediss://: a CA to trust, and a client certificate and key for a Redis with tls-auth-clients.
    tlsCa: z.string().min(1).optional(),
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    // This instance's cache of clients read from Redis (serve only): the most held, and their longest age in seconds.
    clientCacheSize: z.number().int().min(1).optional(),
    clientCacheTtl: z.number().min(0).optional(),
  })
  .refine((section) => !(section.cluster && section.sentinel), {
    message: CLUSTER_OR_SENTINEL,
    path: ['sentinel'],
  })
  .refine((section) => section.sentinel || !(section.sentinelPassword || section.sentinelUsername), {
    message: SENTINEL_CREDENTIALS_NEED_SENTINEL,
    path: ['sentinelPassword'],
  })
  .refine((section) => Boolean(section.tlsCert) === Boolean(section.tlsKey), {
    message: TLS_CERT_NEEDS_KEY,
    path: ['tlsKey'],
  })
  .refine(
    (section) =>
      !section.url || !(section.tlsCa || section.tlsCert) || /^rediss:\/\//i.test(section.url.trim()),
    { message: TLS_FILES_NEED_REDISS, path: ['url'] },
  )
  .optional();

export type RedisSection = z.output<typeof redisSectionSchema>;

/**
 * Where the server's Redis is, for logs and messages: the URL with any credentials masked, and the mode (a Cluster, or
 * the master Sentinel names).
 */
export function describeRedis(options: {
  url: string;
  cluster?: boolean;
  sentinel?: string | undefined;
}): string {
  const mode = options.cluster
    ? ' (cluster)'
    : options.sentinel
      ? ` (sentinel master '${options.sentinel}')`
      : '';
  return options.url.replace(/\/\/[^@/]*@/g, '//***@') + mode;
}
