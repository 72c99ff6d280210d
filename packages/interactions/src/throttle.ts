/** Options of {@link createLoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failed sign-ins allowed per username within `windowSeconds`. @default 5 */
  maxFailuresPerUsername?: number;
  /** Failed sign-ins allowed per client IP address within `windowSeconds`. @default 20 */
  maxFailuresPerIp?: number;
  /** Length of the counting window, in seconds; a blocked key is free again when its window ends. @default 300 */
  windowSeconds?: number;
  /** Keys tracked at most; the oldest windows are dropped first. @default 10000 */
  maxKeys?: number;
  /** The clock, in milliseconds (tests). @default Date.now */
  now?: () => number;
}

/** A throttle of failed sign-ins. */
export interface LoginThrottle {
  /** Seconds to wait before this username or IP may try again, or 0 when it may try now. */
  retryAfter(username: string, ip: string): number;
  /** Counts a failed attempt against the username and the IP. */
  failed(username: string, ip: string): void;
  /** Clears the username's count (the IP's stays: one success does not excuse many failures). */
  succeeded(username: string): void;
}

interface Window {
  count: number;
  resetAt: number;
}

/**
 * A fixed-window counter of failed sign-ins per username and per IP address, held in this process's memory. Several
 * instances behind a load balancer each count on their own (an attacker gets N × the limit); put a shared limiter in
 * front for that. Usernames are counted case-insensitively.
 *
 * @example
 * const throttle = createLoginThrottle({ maxFailuresPerUsername: 5, windowSeconds: 300 });
 * if (throttle.retryAfter(username, ip) > 0) { … show "too many attempts" … }
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const perUser = options.maxFailuresPerUsername ?? 5;
  const perIp = options.maxFailuresPerIp ?? 20;
  const windowMs = (options.windowSeconds ?? 300) * 1000;
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
