import { z } from 'zod';

/**
 * The `Redis` section of appsettings.json, bound like the `IdentityServer` section (keys case-insensitive, and
 * `Redis__Url=…` in the environment): `{ "Redis": { "Url": "redis://127.0.0.1:6379", "KeyPrefix": "idsrv:",
 * "Cluster": false } }`. `serve --redis URL` wins over it. Kept apart from `./redis.ts` so that reading the
 * configuration (`check`) loads neither ioredis nor oidc-provider.
 */
export const redisSectionSchema = z
  .strictObject({
    url: z.string().min(1).optional(),
    keyPrefix: z.string().optional(),
    cluster: z.boolean().default(false),
  })
  .optional();

export type RedisSection = z.output<typeof redisSectionSchema>;
