import { z } from 'zod';

/**
 * The `Redis` section of appsettings.json, bound like the `IdentityServer` section (keys case-insensitive, and
 * `Redis__Url=…` in the environment): `{ "Redis": { "Url": "redis://127.0.0.1:6379", "KeyPrefix": "idsrv:",
 * "Cluster": false, "Sentinel": "mymaster", "SentinelPassword": "…" } }` (`Sentinel`: the master's name; `Url` then
 * lists the sentinels; `SentinelPassword`/`SentinelUsername`: the sentinels' own, best from the environment,
 * `Redis__SentinelPassword=…`).
 * `serve --redis URL` wins over it. Kept apart from `./redis.ts` so that reading the configuration (`check`) loads
 * neither ioredis nor oidc-provider.
 */
/** Why a Redis target cannot be both: the configuration check and the connection say the same. */
export const CLUSTER_OR_SENTINEL =
  'Cluster and Sentinel exclude each other: a Cluster fails over by itself (give each master a replica)';

/** Why sentinel credentials alone are refused: without `Sentinel` nothing would use them. */
export const SENTINEL_CREDENTIALS_NEED_SENTINEL =
  'SentinelPassword and SentinelUsername (--redis-sentinel-password, --redis-sentinel-username) are for the sentinels: they need Sentinel (--redis-sentinel, the master name)';

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
  })
  .refine((section) => !(section.cluster && section.sentinel), {
    message: CLUSTER_OR_SENTINEL,
    path: ['sentinel'],
  })
  .refine((section) => section.sentinel || !(section.sentinelPassword || section.sentinelUsername), {
    message: SENTINEL_CREDENTIALS_NEED_SENTINEL,
    path: ['sentinelPassword'],
  })
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
