import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IdsrvError } from '@idsrv/model';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { StoredKeyRing } from './key-ring.ts';

/** Signing algorithms idsrv offers for its own keys. ES256 is the default: fast, small, widely supported. */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** A private JWKS; the first key signs, all are published. */
export interface SigningKeys {
  keys: JWK[];
}

/** Generates a private signing JWK with `alg`, `use: 'sig'` and its RFC 7638 thumbprint as `kid`. */
export async function generateSigningKey(alg: SigningAlgorithm = 'ES256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

/**
 * Checks and returns a private JWKS given as JSON text (a file's content or an environment variable).
 * @param source names the origin in error messages (a file path or a variable name).
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when the text is not a JWKS of private keys with `alg`.
 */
export function parseSigningKeys(text: string, source: string): SigningKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new IdsrvError('ERR_CONFIG_INVALID', `${source}: signing keys are not valid JSON`, { cause });
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `${source}: expected a JWKS, {"keys": [ ... ]}, with at least one key`,
    );
  }
  keys.forEach((key: JWK, i) => {
    if (typeof key?.kty !== 'string' || key.d === undefined) {
      throw new IdsrvError(
        'ERR_CONFIG_INVALID',
        `${source}: keys[${i}] is not a private JWK (it needs "kty" and "d")`,
      );
    }
    if (!(SIGNING_ALGORITHMS as readonly string[]).includes(String(key.alg))) {
      throw new IdsrvError(
        'ERR_CONFIG_INVALID',
        `${source}: keys[${i}] needs "alg", one of ${SIGNING_ALGORITHMS.join(', ')}`,
      );
    }
  });
  return { keys: keys as JWK[] };
}

/**
 * What a development key file holds: signing keys (newest first), their rotation times when `idsrv keys rotate` has
 * added keys (see `StoredKeyRing`), and cookie-signing keys.
 */
export interface DevelopmentKeys extends SigningKeys {
  keyTimes?: StoredKeyRing['keyTimes'];
  cookieKeys: string[];
}

/**
 * IdentityServer's developer signing credential: reads the key file, or creates it (mode 0600) with a new signing key
 * of `alg` and a cookie key, so that tokens and sessions survive a restart. For development only: production keys come
 * from `parseSigningKeys` (a JWKS file or environment variable) and are shared by every instance.
 */
export async function loadOrCreateDevelopmentKeys(
  file: string,
  alg: SigningAlgorithm = 'ES256',
): Promise<DevelopmentKeys> {
  let existing: DevelopmentKeys = { keys: [], cookieKeys: [] };
  try {
    const text = await readFile(file, 'utf8');
    const { keyTimes, cookieKeys } = JSON.parse(text) as Partial<DevelopmentKeys>;
    existing = {
      keys: parseSigningKeys(text, file).keys,
      ...(keyTimes ? { keyTimes } : {}),
      cookieKeys: cookieKeys ?? [],
    };
    if (existing.keys[0]?.alg === alg && existing.cookieKeys.length > 0) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // A new algorithm gets a new first (signing) key; the old keys stay published so tokens they signed still verify.
  // The rotation times of the keys kept stay; the new key has none, so it signs at once (see key-ring.ts).
  const created: DevelopmentKeys = {
    keys: [await generateSigningKey(alg), ...existing.keys.filter((k) => k.alg !== alg)],
    ...(existing.keyTimes ? { keyTimes: existing.keyTimes } : {}),
    cookieKeys:
      existing.cookieKeys.length > 0 ? existing.cookieKeys : [randomBytes(32).toString('base64url')],
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
}
