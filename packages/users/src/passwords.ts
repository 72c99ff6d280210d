import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters, as stored in a hash. */
export interface ScryptParameters {
  /** log2 of scrypt's CPU/memory cost N. Memory used is 128 · 2^ln · r bytes. @default 17 (N = 131072, 128 MiB) */
  ln: number;
  /** Block size. @default 8 */
  r: number;
  /** Parallelism. @default 1 */
  p: number;
}

/**
 * OWASP's recommended scrypt minimum (Password Storage Cheat Sheet): N = 2^17, r = 8, p = 1 — about 128 MiB and a
 * few hundred milliseconds per verification on a server core, which is the point of a memory-hard KDF.
 */
export const DEFAULT_SCRYPT_PARAMETERS: Readonly<ScryptParameters> = Object.freeze({ ln: 17, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// PHC string format (https://github.com/P-H-C/phc-string-format): $scrypt$ln=17,r=8,p=1$<salt>$<hash>, unpadded
// Base64 as the format asks, so hashes from other PHC-aware tools read the same way.
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, params: ScryptParameters, length: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128·N·r or Node refuses; twice that leaves room for its own bookkeeping.
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/**
 * Hashes a password with scrypt (Node's `node:crypto`, a memory-hard KDF) and a random 16-byte salt, as a PHC string:
 * `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`. Store that string as a test user's `PasswordHash` (`idsrv hash-password`).
 * The password is NFC-normalised first, so the same characters typed on different keyboards verify.
 *
 * @example
 * const hash = await hashPassword('correct horse battery staple');
 * await verifyPassword('correct horse battery staple', hash); // true
 */
export async function hashPassword(
  password: string,
  parameters: Partial<ScryptParameters> = {},
): Promise<string> {
  const params = { ...DEFAULT_SCRYPT_PARAMETERS, ...parameters };
  checkParameters(params);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** The cost parameters stored in a hash from {@link hashPassword}, or `undefined` when it is not one. */
export function scryptParameters(hash: string): ScryptParameters | undefined {
  const match = PHC.exec(hash);
  return match ? { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) } : undefined;
}

/** Whether `value` is a password hash {@link verifyPassword} can read (it says nothing about the password). */
export function isPasswordHash(value: string): boolean {
  const match = PHC.exec(value);
  if (!match) return false;
  try {
    checkParameters({ ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `password` is the one `hash` (from {@link hashPassword}) was made from. The derived keys are compared in
 * constant time. A malformed hash is `false`, never an exception, so a bad record cannot take a login page down.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = PHC.exec(hash);
  if (!match) return false;
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  try {
    checkParameters(params);
  } catch {
    return false;
  }
  const salt = Buffer.from(match[4]!, 'base64');
  const expected = Buffer.from(match[5]!, 'base64');
  if (expected.length < 16) return false;
  const actual = await derive(password, salt, params, expected.length);
  return timingSafeEqual(actual, expected);
}

function checkParameters(params: ScryptParameters): void {
  // Bounds that keep one verification below ~1 GiB and a few seconds: a hash is data, and data can be hostile.
  if (!Number.isInteger(params.ln) || params.ln < 10 || params.ln > 20)
    throw new RangeError('scrypt ln must be an integer from 10 to 20');
  if (!Number.isInteger(params.r) || params.r < 1 || params.r > 32)
    throw new RangeError('scrypt r must be an integer from 1 to 32');
  if (!Number.isInteger(params.p) || params.p < 1 || params.p > 16)
    throw new RangeError('scrypt p must be an integer from 1 to 16');
  if (128 * 2 ** params.ln * params.r > 1024 ** 3) throw new RangeError('scrypt parameters need over 1 GiB');
}
