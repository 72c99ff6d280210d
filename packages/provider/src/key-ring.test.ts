import type { IdsrvError } from '@idsrv/model';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACTIVATION_DELAY,
  describeKeyRing,
  keyRingJwks,
  longestTokenLifetime,
  nextKeyRingChange,
  pruneKeyRing,
  rotateKeyRing,
  type StoredKeyRing,
} from './key-ring.ts';
import { generateSigningKey } from './keys.ts';

// A fake clock: every function takes `now`, so the ring's whole life is walked through without timers.
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3600;
const at = (seconds: number) => T0 + seconds * 1000;

let a: JWK;
let b: JWK;
let c: JWK;
beforeAll(async () => {
  [a, b, c] = await Promise.all([generateSigningKey(), generateSigningKey(), generateSigningKey('RS256')]);
});

const kids = (jwks: { keys: JWK[] }) => jwks.keys.map((k) => k.kid);
const states = (ring: StoredKeyRing, now: number) =>
  Object.fromEntries(describeKeyRing(ring, now).map((e) => [e.kid, e.state]));

describe('key ring', () => {
  it('a JWKS without keyTimes (the existing key file format) is a ring whose first key signs', () => {
    const legacy = { keys: [a, b], cookieKeys: ['x'] };
    const jwks = keyRingJwks(legacy, T0);
    expect(kids(jwks)).toEqual([a.kid, b.kid]);
    expect(jwks.keys[0]!.key_ops).toBeUndefined();
    expect(jwks.keys[1]!.key_ops).toEqual(['verify']);
    expect(states(legacy, T0)).toEqual({ [a.kid!]: 'signing', [b.kid!]: 'verifying' });
  });

  it('rotate - the new key is published at once and signs only after the activation delay', () => {
    const ring = rotateKeyRing(
      { keys: [a] },
      { key: b, now: T0, activationDelay: 24 * HOUR, retention: HOUR },
    );
    expect(ring.keys.map((k) => k.kid)).toEqual([b.kid, a.kid]);

    const before = keyRingJwks(ring, at(24 * HOUR - 1));
    expect(kids(before)).toEqual([a.kid, b.kid]);
    expect(before.keys[1]!.key_ops).toEqual(['verify']);
    expect(states(ring, at(24 * HOUR - 1))).toEqual({ [b.kid!]: 'pending', [a.kid!]: 'signing' });

    const after = keyRingJwks(ring, at(24 * HOUR));
    expect(kids(after)).toEqual([b.kid, a.kid]);
    expect(after.keys[0]!.key_ops).toBeUndefined();
    expect(after.keys[1]!.key_ops).toEqual(['verify']);
    expect(states(ring, at(24 * HOUR))).toEqual({ [b.kid!]: 'signing', [a.kid!]: 'verifying' });
  });

  it('rotate - the superseded key stays published for the retention after its successor activates, then expires', () => {
    const ring = rotateKeyRing({ keys: [a] }, { key: b, now: T0, activationDelay: 60, retention: 2 * HOUR });
    expect(ring.keyTimes?.[a.kid!]?.retiresAt).toBe(new Date(at(60 + 2 * HOUR)).toISOString());
    expect(kids(keyRingJwks(ring, at(60 + 2 * HOUR - 1)))).toEqual([b.kid, a.kid]);
    expect(kids(keyRingJwks(ring, at(60 + 2 * HOUR)))).toEqual([b.kid]);
    expect(states(ring, at(60 + 2 * HOUR))[a.kid!]).toBe('expired');
    // Still stored until pruned (or the next rotation).
    expect(pruneKeyRing(ring, at(60 + 2 * HOUR)).keys.map((k) => k.kid)).toEqual([b.kid]);
    expect(pruneKeyRing(ring, at(60)).keys).toHaveLength(2);
  });

  it('rotate - the default activation delay is a day', () => {
    const ring = rotateKeyRing({ keys: [a] }, { key: b, now: T0, retention: HOUR });
    expect(DEFAULT_ACTIVATION_DELAY).toBe(86_400);
    expect(ring.keyTimes?.[b.kid!]?.activatesAt).toBe(new Date(at(86_400)).toISOString());
  });

  it('rotate - the first key of an empty ring signs at once, whatever the delay', () => {
    const ring = rotateKeyRing({ keys: [] }, { key: a, now: T0, activationDelay: 3600, retention: HOUR });
    expect(kids(keyRingJwks(ring, T0))).toEqual([a.kid]);
  });

  it('rotate - keeps the other fields (cookie keys, DPoP secret) and refuses a kid already in the ring', () => {
    const ring = rotateKeyRing(
      { keys: [a], cookieKeys: ['c1'], dpopNonceSecret: 's' },
      { key: b, now: T0, retention: HOUR },
    );
    expect(ring.cookieKeys).toEqual(['c1']);
    expect(ring.dpopNonceSecret).toBe('s');
    expect(() => rotateKeyRing(ring, { key: b, now: T0, retention: HOUR })).toThrow(/already in the ring/);
  });

  it('rotate - a key added while another is pending supersedes it: the newest activated key signs', () => {
    // b waits a day; c (another algorithm) is added an hour later with no delay and signs at once.
    const one = rotateKeyRing(
      { keys: [a] },
      { key: b, now: T0, activationDelay: 24 * HOUR, retention: HOUR },
    );
    const two = rotateKeyRing(one, { key: c, now: at(HOUR), activationDelay: 0, retention: HOUR });
    expect(states(two, at(HOUR))).toEqual({
      [c.kid!]: 'signing',
      [b.kid!]: 'pending',
      [a.kid!]: 'verifying',
    });
    const jwks = keyRingJwks(two, at(HOUR));
    expect(jwks.keys[0]).toMatchObject({ kid: c.kid, alg: 'RS256' });
    // b's own activation time passes: it never signs, since c is newer.
    expect(keyRingJwks(two, at(24 * HOUR)).keys[0]!.kid).toBe(c.kid);
    // b was superseded when c activated: it retires the retention after that.
    expect(two.keyTimes?.[b.kid!]?.retiresAt).toBe(new Date(at(2 * HOUR)).toISOString());
  });

  it('rotate - drops expired keys but never the signing one', () => {
    const one = rotateKeyRing({ keys: [a] }, { key: b, now: T0, activationDelay: 0, retention: 60 });
    const two = rotateKeyRing(one, { key: c, now: at(120), activationDelay: 60, retention: 60 });
    expect(two.keys.map((k) => k.kid)).toEqual([c.kid, b.kid]);
    expect(Object.keys(two.keyTimes ?? {})).toEqual([c.kid, b.kid]);
  });

  it('nextKeyRingChange - the next activation or retirement, for the server to rebuild its provider then', () => {
    const ring = rotateKeyRing({ keys: [a] }, { key: b, now: T0, activationDelay: 60, retention: HOUR });
    expect(nextKeyRingChange(ring, T0)).toBe(at(60));
    expect(nextKeyRingChange(ring, at(60))).toBe(at(60 + HOUR));
    expect(nextKeyRingChange(ring, at(60 + HOUR))).toBeUndefined();
    expect(nextKeyRingChange({ keys: [a] }, T0)).toBeUndefined();
  });

  it('describeKeyRing - reports kid, alg, state and dates, never key material', () => {
    const ring = rotateKeyRing({ keys: [a] }, { key: c, now: T0, activationDelay: 60, retention: HOUR });
    const described = describeKeyRing(ring, T0);
    expect(described).toEqual([
      { kid: c.kid, alg: 'RS256', state: 'pending', createdAt: new Date(T0), activatesAt: new Date(at(60)) },
      { kid: a.kid, alg: 'ES256', state: 'signing', retiresAt: new Date(at(60 + HOUR)) },
    ]);
    expect(JSON.stringify(described)).not.toMatch(/"(d|x|n|p|q)"/);
  });

  it('keyRingJwks - no active key is ERR_CONFIG_INVALID, as are malformed times and duplicate kids', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as IdsrvError).code;
      }
      return undefined;
    };
    expect(code(() => keyRingJwks({ keys: [] }, T0))).toBe('ERR_CONFIG_INVALID');
    expect(
      code(() => keyRingJwks({ keys: [a], keyTimes: { [a.kid!]: { activatesAt: 'tomorrow' } } }, T0)),
    ).toBe('ERR_CONFIG_INVALID');
    expect(
      code(() =>
        keyRingJwks(
          { keys: [a], keyTimes: { [a.kid!]: { activatesAt: new Date(at(1)).toISOString() } } },
          T0,
        ),
      ),
    ).toBe('ERR_CONFIG_INVALID');
    expect(code(() => keyRingJwks({ keys: [a, a] }, T0))).toBe('ERR_CONFIG_INVALID');
    expect(code(() => rotateKeyRing({ keys: [a] }, { key: b, now: T0, retention: -1 }))).toBe(
      'ERR_CONFIG_INVALID',
    );
  });

  it('longestTokenLifetime - the longest access or identity token lifetime of any client; 3600 without clients', () => {
    expect(
      longestTokenLifetime([
        { accessTokenLifetime: 3600, identityTokenLifetime: 300 },
        { accessTokenLifetime: 600, identityTokenLifetime: 7200 },
      ]),
    ).toBe(7200);
    expect(longestTokenLifetime([])).toBe(3600);
  });
});
