import { type LoginThrottle, type LoginThrottleLimits, loginThrottleLimits } from '@idsrv/model';

export type { LoginThrottle };

/** Options of {@link createLoginThrottle}: the limits (see `LoginThrottleLimits`) and how much to remember. */
export interface LoginThrottleOptions extends LoginThrottleLimits {
  /** Keys tracked at most; the oldest windows are dropped first. @default 10000 */
  maxKeys?: number;
  /** The clock, in milliseconds (tests). @default Date.now */
  now?: () => number;
}

interface Window {
  count: number;
  resetAt: number;
}

/**
 * A fixed-window counter of failed sign-ins per username and per IP address, held in this process's memory (its
 * methods answer synchronously). Several instances behind a load balancer each count on their own (an attacker gets
 * N × the limit): give them one shared throttle instead, such as the Redis store's `createLoginThrottle`. Usernames
 * are counted case-insensitively.
 *
 * @example
 * const throttle = createLoginThrottle({ maxFailuresPerUsername: 5, windowSeconds: 300 });
 * if (throttle.retryAfter(username, ip) > 0) { … show "too many attempts" … }
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle & {
  retryAfter(username: string, ip: string): number;
  failed(username: string, ip: string): void;
  succeeded(username: string): void;
} {
  const limits = loginThrottleLimits(options);
  const perUser = limits.maxFailuresPerUsername;
  const perIp = limits.maxFailuresPerIp;
  const windowMs = limits.windowSeconds * 1000;
  const maxKeys = options.maxKeys ?? 10_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, and a window is re-inserted when it restarts: the first entry is the oldest.
  const windows = new Map<string, Window>();

  const current = (key: string): Window | undefined => {
    const w = windows.get(key);
    if (w && w.resetAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };
  const wait = (key: string, limit: number) => {
    const w = current(key);
    return w && w.count >= limit ? Math.ceil((w.resetAt - now()) / 1000) : 0;
  };
  const bump = (key: string) => {
    const w = current(key);
    if (w) w.count += 1;
    else {
      while (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
      windows.set(key, { count: 1, resetAt: now() + windowMs });
    }
  };
  const userKey = (username: string) => `u:${username.toLowerCase()}`;

  return {
    retryAfter: (username, ip) => Math.max(wait(userKey(username), perUser), wait(`i:${ip}`, perIp)),
    failed(username, ip) {
      bump(userKey(username));
      bump(`i:${ip}`);
    },
    succeeded(username) {
      windows.delete(userKey(username));
    },
  };
}
