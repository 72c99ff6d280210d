import { IdsrvError } from '@idsrv/model';
import type { JWK } from 'jose';

/**
 * Seconds a new key is published before it signs, unless told otherwise: one day. Relying parties and APIs cache the
 * JWKS — Microsoft.IdentityModel refreshes it every 12 hours by default, many gateways once a day — and a token
 * signed by a key they have not fetched yet fails until they do. A day covers those defaults with room to spare.
 * (IdentityServer's automatic key management waits 14 days; use `activationDelay` for that.)
 */
export const DEFAULT_ACTIVATION_DELAY = 24 * 60 * 60;

/** IdentityServer's default access token lifetime (seconds): the retention when there are no clients to ask. */
const DEFAULT_RETENTION = 3600;

/** When a key was added, when it starts signing and when it stops being published; ISO 8601 date-times. */
export interface KeyTimes {
  /** When the key was added. Absent for a key older than the ring. */
  createdAt?: string;
  /** When the key may start signing (it is published from `createdAt`). Absent: since before the ring existed. */
  activatesAt?: string;
  /** When the key leaves the JWKS: set once a newer key supersedes it. Absent: published until superseded. */
  retiresAt?: string;
}

/**
 * A signing-key ring as it is stored (the development key file, the shared keys in Redis): a private JWKS, newest key
 * first, plus each key's times by `kid`. A JWKS without `keyTimes` is a valid ring whose first key signs and whose
 * other keys are only published — the format `loadOrCreateDevelopmentKeys` and `parseSigningKeys` have always used.
 */
export interface StoredKeyRing {
  /** Private signing JWKs with `kid` and `alg`, newest first. */
  keys: JWK[];
  keyTimes?: Record<string, KeyTimes>;
}

/**
 * Where a key is in its life at a given time:
 * - `pending`: published, not yet signing (before `activatesAt`);
 * - `signing`: the newest activated key — it signs every token;
 * - `verifying`: superseded (or activated after a newer key had already taken over), still published so that the
 *   tokens it signed verify;
 * - `expired`: past `retiresAt`, no longer published; removed at the next rotation.
 */
export type KeyState = 'pending' | 'signing' | 'verifying' | 'expired';

/** One key of a ring as `describeKeyRing` reports it: public facts only, never key material. */
export interface KeyRingEntry {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt?: Date;
  /** `undefined` for a key active since before the ring existed. */
  activatesAt?: Date;
  retiresAt?: Date;
}

/** Options of {@link rotateKeyRing}. */
export interface RotateKeyRingOptions {
  /** The new private JWK (see `generateSigningKey`); its `kid` must be new to the ring. */
  key: JWK;
  /** The clock, ms since the epoch. */
  now: number;
  /** Seconds the new key is published before it signs. Ignored for the first key of an empty ring. @default 86400 */
  activationDelay?: number;
  /**
   * Seconds the superseded keys stay published after the new key activates: the longest lifetime of a token they may
   * have signed (see {@link longestTokenLifetime}).
   */
  retention: number;
}

/** A ring as the pure functions return it: the input's fields, with `keyTimes` for every key. */
export type WithTimes<R extends StoredKeyRing> = R & { keyTimes: Record<string, KeyTimes> };

interface Entry {
  key: JWK;
  kid: string;
  createdAt: number | undefined;
  activatesAt: number;
  retiresAt: number | undefined;
}

/**
 * The JWKS to give oidc-provider at `now`: the signing key first, then every other published key (pending and
 * verifying) marked `key_ops: ["verify"]`. oidc-provider signs with the first key of the algorithm it needs and never
 * selects a key whose `key_ops` lacks `sign` (lib/helpers/keystore.js), so a published key cannot sign early — not
 * even for a client that asks for another algorithm — and a superseded key cannot sign again.
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when the ring is malformed or no key is active at `now`.
 * @example
 * const provider = await createIdsrvProvider({ ...options, jwks: keyRingJwks(ring, Date.now()) });
 */
export function keyRingJwks(ring: StoredKeyRing, now: number): { keys: JWK[] } {
  const entries = readRing(ring);
  const signing = signingEntry(entries, now);
  const { key_ops: _ops, ...signer } = signing.key;
  const others = entries
    .filter((e) => e !== signing && !isExpired(e, now))
    .map((e) => ({ ...e.key, key_ops: ['verify'] }));
  return { keys: [signer, ...others] };
}

/**
 * Each key's `kid`, `alg`, state and times at `now`, newest first — safe to print: no private (or public) key
 * material.
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when the ring is malformed.
 */
export function describeKeyRing(ring: StoredKeyRing, now: number): KeyRingEntry[] {
  const entries = readRing(ring);
  const signing = entries.find((e) => isActive(e, now));
  return entries.map((e) => ({
    kid: e.kid,
    alg: String(e.key.alg),
    state:
      e === signing
        ? 'signing'
        : isExpired(e, now)
          ? 'expired'
          : e.activatesAt > now
            ? 'pending'
            : 'verifying',
    ...(e.createdAt !== undefined ? { createdAt: new Date(e.createdAt) } : {}),
    ...(e.activatesAt > 0 ? { activatesAt: new Date(e.activatesAt) } : {}),
    ...(e.retiresAt !== undefined ? { retiresAt: new Date(e.retiresAt) } : {}),
  }));
}

/**
 * Adds `key` as the newest key: published at once, signing `activationDelay` seconds later. Every older key that has
 * no `retiresAt` yet (the one signing now, a still pending one, keys from before the ring) gets one: the new key's
 * activation plus `retention`, when no token it signed can still be valid. Expired keys are dropped. Other fields of
 * `ring` (cookie keys…) are kept. Pure: the caller stores the result.
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when the ring is malformed or already holds the key's `kid`.
 * @example
 * const next = rotateKeyRing(ring, { key: await generateSigningKey('ES256'), now: Date.now(), retention: 3600 });
 */
export function rotateKeyRing<R extends StoredKeyRing>(ring: R, options: RotateKeyRingOptions): WithTimes<R> {
  const entries = readRing(ring);
  const kid = options.key.kid;
  if (typeof kid !== 'string' || kid === '' || options.key.d === undefined || !options.key.alg) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      'key ring: the new key must be a private JWK with "kid" and "alg"',
    );
  }
  if (entries.some((e) => e.kid === kid)) {
    throw new IdsrvError('ERR_CONFIG_INVALID', `key ring: a key with kid "${kid}" is already in the ring`);
  }
  checkSeconds(options.retention, 'retention');
  const delay = options.activationDelay ?? DEFAULT_ACTIVATION_DELAY;
  checkSeconds(delay, 'activationDelay');
  const { now } = options;
  // Nothing can verify a token of a key that is not published yet, so the very first key signs at once.
  const activatesAt = entries.some((e) => !isExpired(e, now)) ? now + delay * 1000 : now;
  const retiresAt = activatesAt + options.retention * 1000;
  const signing = entries.find((e) => isActive(e, now));
  const kept = entries
    .filter((e) => e === signing || !isExpired(e, now))
    .map((e) => (e.retiresAt === undefined ? { ...e, retiresAt } : e));
  const added: Entry = { key: options.key, kid, createdAt: now, activatesAt, retiresAt: undefined };
  return writeRing(ring, [added, ...kept]);
}

/**
 * The ring without its expired keys (the signing key is always kept). Pure: the caller stores the result.
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when the ring is malformed.
 */
export function pruneKeyRing<R extends StoredKeyRing>(ring: R, now: number): WithTimes<R> {
  const entries = readRing(ring);
  const signing = entries.find((e) => isActive(e, now));
  return writeRing(
    ring,
    entries.filter((e) => e === signing || !isExpired(e, now)),
  );
}

/**
 * The next time (ms since the epoch) after `now` at which {@link keyRingJwks} gives another answer — a key
 * activates or retires — or `undefined` when nothing is scheduled. A server rebuilds its provider then.
 */
export function nextKeyRingChange(ring: StoredKeyRing, now: number): number | undefined {
  let next: number | undefined;
  for (const e of readRing(ring)) {
    for (const t of [e.activatesAt, e.retiresAt]) {
      if (t !== undefined && t > now && (next === undefined || t < next)) next = t;
    }
  }
  return next;
}

/**
 * How long (seconds) a superseded key must stay published: the longest access or identity token lifetime of any
 * client, since a token signed just before the switch is valid that long. 3600 (IdentityServer's default access
 * token lifetime) when there are no clients. Every client counts, enabled or not: one re-enabled would otherwise
 * bring tokens the JWKS can no longer verify.
 * @example
 * const retention = longestTokenLifetime(definitions.clients);
 */
export function longestTokenLifetime(
  clients: Iterable<{ accessTokenLifetime: number; identityTokenLifetime: number }>,
): number {
  let longest = 0;
  for (const c of clients) longest = Math.max(longest, c.accessTokenLifetime, c.identityTokenLifetime);
  return longest > 0 ? longest : DEFAULT_RETENTION;
}

// An entry is active (may sign) once activated and not retired; the first active entry in ring order — the newest —
// signs. Ring order, not activation time, decides: a key added later supersedes one still pending.
function isActive(e: Entry, now: number): boolean {
  return e.activatesAt <= now && !isExpired(e, now);
}

function isExpired(e: Entry, now: number): boolean {
  return e.retiresAt !== undefined && e.retiresAt <= now;
}

function signingEntry(entries: Entry[], now: number): Entry {
  const signing = entries.find((e) => isActive(e, now));
  if (signing) return signing;
  throw new IdsrvError(
    'ERR_CONFIG_INVALID',
    entries.length === 0
      ? 'key ring: there are no signing keys'
      : `key ring: no key is active at ${new Date(now).toISOString()} (every key is pending or retired)`,
  );
}

function readRing(ring: StoredKeyRing): Entry[] {
  if (!ring || !Array.isArray(ring.keys)) {
    throw new IdsrvError('ERR_CONFIG_INVALID', 'key ring: expected {"keys": [ ... ]}');
  }
  const times = ring.keyTimes ?? {};
  const seen = new Set<string>();
  return ring.keys.map((key, i) => {
    const kid = key?.kid;
    if (typeof kid !== 'string' || kid === '') {
      throw new IdsrvError('ERR_CONFIG_INVALID', `key ring: keys[${i}] has no "kid"`);
    }
    if (seen.has(kid)) throw new IdsrvError('ERR_CONFIG_INVALID', `key ring: kid "${kid}" appears twice`);
    seen.add(kid);
    const t = Object.hasOwn(times, kid) ? times[kid] : undefined;
    return {
      key,
      kid,
      createdAt: date(t?.createdAt, kid, 'createdAt'),
      activatesAt: date(t?.activatesAt, kid, 'activatesAt') ?? 0,
      retiresAt: date(t?.retiresAt, kid, 'retiresAt'),
    };
  });
}

function writeRing<R extends StoredKeyRing>(ring: R, entries: Entry[]): WithTimes<R> {
  const keyTimes: Record<string, KeyTimes> = {};
  for (const e of entries) {
    keyTimes[e.kid] = {
      ...(e.createdAt !== undefined ? { createdAt: new Date(e.createdAt).toISOString() } : {}),
      ...(e.activatesAt > 0 ? { activatesAt: new Date(e.activatesAt).toISOString() } : {}),
      ...(e.retiresAt !== undefined ? { retiresAt: new Date(e.retiresAt).toISOString() } : {}),
    };
  }
  return { ...ring, keys: entries.map((e) => e.key), keyTimes };
}

function date(value: string | undefined, kid: string, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `key ring: keyTimes["${kid}"].${field} is not an ISO 8601 date-time: ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

function checkSeconds(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `key ring: ${name} must be a number of seconds ≥ 0, got ${value}`,
    );
  }
}
