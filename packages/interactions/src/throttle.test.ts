import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from './throttle.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (seconds: number) => (now += seconds * 1000) };
}

describe('createLoginThrottle', () => {
  it('per username - the sixth attempt within the window waits until the window ends', () => {
    const c = clock();
    const throttle = createLoginThrottle({ maxFailuresPerUsername: 5, windowSeconds: 300, now: c.now });
    for (let i = 0; i < 4; i++) throttle.failed('alice', '10.0.0.1');
    expect(throttle.retryAfter('alice', '10.0.0.1')).toBe(0);
    throttle.failed('alice', '10.0.0.1');
    expect(throttle.retryAfter('alice', '10.0.0.2')).toBe(300);
    // Usernames are counted case-insensitively, so 'ALICE' is no way around it.
    expect(throttle.retryAfter('ALICE', '10.0.0.3')).toBe(300);
    c.advance(299);
    expect(throttle.retryAfter('alice', '10.0.0.1')).toBe(1);
    c.advance(1);
    expect(throttle.retryAfter('alice', '10.0.0.1')).toBe(0);
  });

  it('per IP - many usernames from one address are throttled together', () => {
    const c = clock();
    const throttle = createLoginThrottle({ maxFailuresPerIp: 3, now: c.now });
    throttle.failed('a', '192.0.2.1');
    throttle.failed('b', '192.0.2.1');
    throttle.failed('c', '192.0.2.1');
    expect(throttle.retryAfter('d', '192.0.2.1')).toBeGreaterThan(0);
    expect(throttle.retryAfter('d', '192.0.2.2')).toBe(0);
  });

  it('succeeded - clears the username but not the IP', () => {
    const throttle = createLoginThrottle({ maxFailuresPerUsername: 2, maxFailuresPerIp: 2 });
    throttle.failed('alice', 'ip');
    throttle.failed('alice', 'ip');
    throttle.succeeded('alice');
    expect(throttle.retryAfter('alice', 'other-ip')).toBe(0);
    expect(throttle.retryAfter('alice', 'ip')).toBeGreaterThan(0);
  });

  it('maxKeys - bounds memory by dropping the oldest windows', () => {
    const throttle = createLoginThrottle({ maxFailuresPerUsername: 1, maxFailuresPerIp: 100, maxKeys: 4 });
    throttle.failed('first', 'ip1');
    throttle.failed('second', 'ip2');
    throttle.failed('third', 'ip3');
    // 'first' and 'ip1' were the oldest keys.
    expect(throttle.retryAfter('first', 'x')).toBe(0);
    expect(throttle.retryAfter('third', 'x')).toBeGreaterThan(0);
  });
});
