import { type LoginThrottle, type LoginThrottleLimits, loginThrottleLimits } from '@idsrv/model';
import type { RedisKeys } from './keys.ts';
import { guarded, type RedisConnection, runScript } from './redis-client.ts';
import { COUNT_FAILURE, THROTTLE_WAIT } from './scripts.ts';

/** Options of {@link createRedisLoginThrottle}. */
export interface RedisLoginThrottleOptions extends LoginThrottleLimits {
  /** The connection (single node or Cluster); the caller owns it. */
  client: RedisConnection;
  keys: RedisKeys;
}

/**
 * A `LoginThrottle` whose counts live in Redis, so every instance on one Redis (and key prefix) counts the same failed
 * sign-ins: the limit holds for the whole deployment, not per instance. Fixed windows, as `createLoginThrottle` of
 * `@idsrv/interactions`: a window opens at its first failure and ends `windowSeconds` later, when the counter expires.
 *
 * - Each counter is one key (its own hash slot on a Cluster); counting is one script (`INCR`, and `PEXPIRE` when it
 *   opens the window), so concurrent failures on several instances are all counted.
 * - Counters are named by a SHA-256 of the lower-cased username or of the IP address.
 * - Every Redis failure rejects with `RedisStoreUnavailableError` (`503`): the login page and the password grant then
 *   fail the attempt instead of letting it through unchecked.
 */
export function createRedisLoginThrottle(options: RedisLoginThrottleOptions): LoginThrottle {
  const { client, keys } = options;
  const limits = loginThrottleLimits(options);
  const perUser = limits.maxFailuresPerUsername;
  const perIp = limits.maxFailuresPerIp;
  const windowMs = Math.round(limits.windowSeconds * 1000);
  const userKey = (username: string) => keys.throttle('u', username.toLowerCase());
  const ipKey = (ip: string) => keys.throttle('i', ip);
  const waitMs = async (key: string, limit: number) =>
    Number(await runScript(client, THROTTLE_WAIT, [key], [limit]));

  return {
    retryAfter: (username, ip) =>
      guarded('login throttle check', async () => {
        const [user, address] = await Promise.all([
          waitMs(userKey(username), perUser),
          waitMs(ipKey(ip), perIp),
        ]);
        return Math.ceil(Math.max(user, address) / 1000);
      }),
    failed: (username, ip) =>
      guarded('login throttle count', async () => {
        await Promise.all([
          runScript(client, COUNT_FAILURE, [userKey(username)], [windowMs]),
          runScript(client, COUNT_FAILURE, [ipKey(ip)], [windowMs]),
        ]);
      }),
    succeeded: (username) =>
      guarded('login throttle reset', async () => {
        await client.del(userKey(username));
      }),
  };
}
