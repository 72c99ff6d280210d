import { hash, timingSafeEqual } from 'node:crypto';

/**
 * IdentityServer's `"value".Sha256()`: standard Base64 (with padding) of SHA-256 over the UTF-8 bytes.
 *
 * @example
 * sha256('secret'); // 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols='
 */
export function sha256(value: string): string {
  return hash('sha256', value, 'base64');
}

/**
 * IdentityServer's `"value".Sha512()`: standard Base64 (with padding) of SHA-512 over the UTF-8 bytes.
 */
export function sha512(value: string): string {
  return hash('sha512', value, 'base64');
}

/** The secret types IdentityServer knows (`IdentityServerConstants.SecretTypes`). */
export const SecretTypes = {
  SharedSecret: 'SharedSecret',
  X509CertificateThumbprint: 'X509Thumbprint',
  X509CertificateName: 'X509Name',
  X509CertificateBase64: 'X509CertificateBase64',
  JsonWebKey: 'JWK',
} as const;

export type SecretType = (typeof SecretTypes)[keyof typeof SecretTypes];

/** The part of a secret that verification reads. */
export interface VerifiableSecret {
  value: string;
  type: string;
  expiration?: Date | undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard Base64 (padded, no whitespace), or `undefined`: `Buffer.from` would silently skip bad characters. */
function decodeBase64(value: string): Buffer | undefined {
  if (!BASE64.test(value) || value.length % 4 !== 0) return undefined;
  return Buffer.from(value, 'base64');
}

/**
 * Whether `value` is what `sha256()` or `sha512()` returns: standard Base64 of 32 or 64 bytes. A plaintext secret
 * almost never is, which is how validation tells that someone wrote the secret itself instead of its hash.
 */
export function isHashedSecret(value: string): boolean {
  const bytes = decodeBase64(value)?.length;
  return bytes === 32 || bytes === 64;
}

// Stored values decoded once per secret object: definitions are immutable and stores hand out the same objects while
// a client is unchanged, so the token endpoint does not re-validate and re-decode Base64 on every request. `null`
// marks a value that is not valid Base64.
const decoded = new WeakMap<VerifiableSecret, Buffer | null>();

function storedBytes(secret: VerifiableSecret): Buffer | undefined {
  let bytes = decoded.get(secret);
  if (bytes === undefined) {
    bytes = decodeBase64(secret.value) ?? null;
    decoded.set(secret, bytes);
  }
  return bytes ?? undefined;
}

/**
 * Checks a presented plaintext secret against a client's (or API resource's) stored hashed shared secrets, the way
 * IdentityServer's `HashedSharedSecretValidator` does: secrets whose expiration is before `now` are ignored (one is
 * still valid at its expiration instant); each stored value is Base64-decoded and compared, by its length (32 bytes →
 * SHA-256 of the presented value, 64 → SHA-512), in constant time. A stored value that is not valid Base64 is skipped
 * (IdentityServer stops there instead; skipping loses nothing). Every candidate is compared even after a match, so
 * the time taken does not tell which secret matched.
 *
 * Each digest is computed at most once, and only when a stored secret has its length: which lengths a client's
 * secrets have is configuration, not a secret, and skipping the unneeded SHA-512 halves the cost on the token endpoint.
 *
 * @returns true when some non-expired `SharedSecret` matches.
 */
export function verifyHashedSecret(
  presented: string,
  secrets: readonly VerifiableSecret[],
  now: Date = new Date(),
): boolean {
  let presentedSha256: Buffer | undefined;
  let presentedSha512: Buffer | undefined;
  let matched = false;
  for (const secret of secrets) {
    if (secret.type !== SecretTypes.SharedSecret) continue;
    // IdentityServer's `HasExpired`: expired once `now` is past the expiration, so the instant itself still counts.
    if (secret.expiration && now.getTime() > secret.expiration.getTime()) continue;
    const stored = storedBytes(secret);
    if (!stored) continue;
    let candidate: Buffer | undefined;
    if (stored.length === 32) candidate = presentedSha256 ??= hash('sha256', presented, 'buffer');
    else if (stored.length === 64) candidate = presentedSha512 ??= hash('sha512', presented, 'buffer');
    if (candidate && timingSafeEqual(stored, candidate)) matched = true;
  }
  return matched;
}
