import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isHashedSecret,
  SecretTypes,
  sha256,
  sha512,
  type VerifiableSecret,
  verifyHashedSecret,
} from './secrets.ts';

// The vectors of identityserver-model.md (IdentityServer's `"secret".Sha256()` and `"secret".Sha512()`).
const SECRET_SHA256 = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=';
const SECRET_SHA512 =
  'vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==';

const shared = (value: string, expiration?: Date): VerifiableSecret => ({
  value,
  type: SecretTypes.SharedSecret,
  ...(expiration && { expiration }),
});

describe('sha256 / sha512', () => {
  it("sha256 - 'secret' hashes to IdentityServer's value", () => {
    expect(sha256('secret')).toBe(SECRET_SHA256);
  });

  it("sha512 - 'secret' hashes to IdentityServer's value", () => {
    expect(sha512('secret')).toBe(SECRET_SHA512);
  });

  it('sha256 - hashes the UTF-8 bytes (non-ASCII input)', () => {
    // "é" is c3 a9 in UTF-8; a Latin-1 (e9) or UTF-16 hash would differ.
    const utf8 = createHash('sha256')
      .update(Buffer.from([0xc3, 0xa9]))
      .digest('base64');
    expect(sha256('é')).toBe(utf8);
    expect(sha512('é')).toBe(
      createHash('sha512')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('base64'),
    );
  });

  it('sha256 / sha512 - standard Base64 with padding, 32 and 64 bytes', () => {
    expect(Buffer.from(sha256('anything'), 'base64')).toHaveLength(32);
    expect(Buffer.from(sha512('anything'), 'base64')).toHaveLength(64);
    expect(sha256('anything')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(sha512('anything')).toMatch(/^[A-Za-z0-9+/]{86}==$/);
  });
});

describe('verifyHashedSecret', () => {
  const now = new Date('2030-06-01T12:00:00Z');

  it('verifyHashedSecret - a stored SHA-256 value matches the plaintext secret', () => {
    expect(verifyHashedSecret('secret', [shared(SECRET_SHA256)], now)).toBe(true);
  });

  it('verifyHashedSecret - a stored SHA-512 value matches the plaintext secret', () => {
    expect(verifyHashedSecret('secret', [shared(SECRET_SHA512)], now)).toBe(true);
  });

  it('verifyHashedSecret - a wrong secret fails against both hash lengths', () => {
    expect(verifyHashedSecret('Secret', [shared(SECRET_SHA256), shared(SECRET_SHA512)], now)).toBe(false);
    expect(verifyHashedSecret('', [shared(SECRET_SHA256)], now)).toBe(false);
  });

  it('verifyHashedSecret - no stored secrets fails', () => {
    expect(verifyHashedSecret('secret', [], now)).toBe(false);
  });

  it('verifyHashedSecret - an expired secret is ignored while another non-expired secret of the client works', () => {
    const expiredOld = shared(sha256('old'), new Date('2030-01-01T00:00:00Z'));
    const current = shared(sha256('new'), new Date('2031-01-01T00:00:00Z'));
    expect(verifyHashedSecret('old', [expiredOld, current], now)).toBe(false);
    expect(verifyHashedSecret('new', [expiredOld, current], now)).toBe(true);
    // The same secret before its expiration still works.
    expect(verifyHashedSecret('old', [expiredOld, current], new Date('2029-12-31T23:59:59Z'))).toBe(true);
  });

  it("verifyHashedSecret - a secret is still valid at its expiration instant (IdentityServer's HasExpired is now > expiration)", () => {
    const expiration = new Date('2030-06-01T12:00:00Z');
    expect(verifyHashedSecret('secret', [shared(SECRET_SHA256, expiration)], expiration)).toBe(true);
    expect(
      verifyHashedSecret('secret', [shared(SECRET_SHA256, expiration)], new Date(expiration.getTime() + 1)),
    ).toBe(false);
  });

  it('verifyHashedSecret - defaults `now` to the current time', () => {
    expect(verifyHashedSecret('secret', [shared(SECRET_SHA256, new Date(Date.now() - 60_000))])).toBe(false);
    expect(verifyHashedSecret('secret', [shared(SECRET_SHA256, new Date(Date.now() + 60_000))])).toBe(true);
  });

  it('verifyHashedSecret - an invalid Base64 stored value is skipped and a later valid one still matches', () => {
    for (const invalid of ['not base64!', 'secret', 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols', 'a b=']) {
      expect(verifyHashedSecret('secret', [shared(invalid)], now), invalid).toBe(false);
      expect(verifyHashedSecret('secret', [shared(invalid), shared(SECRET_SHA256)], now), invalid).toBe(true);
    }
  });

  it('verifyHashedSecret - a stored value of another length (neither 32 nor 64 bytes) never matches', () => {
    const sha1Like = Buffer.alloc(20, 1).toString('base64');
    expect(verifyHashedSecret('secret', [shared(sha1Like)], now)).toBe(false);
  });

  it('verifyHashedSecret - secrets of other types than SharedSecret are ignored, even with a matching value', () => {
    for (const type of [
      SecretTypes.X509CertificateThumbprint,
      SecretTypes.X509CertificateName,
      SecretTypes.X509CertificateBase64,
      SecretTypes.JsonWebKey,
    ]) {
      expect(verifyHashedSecret('secret', [{ value: SECRET_SHA256, type }], now), type).toBe(false);
    }
  });

  it('verifyHashedSecret - the plaintext itself as a stored value does not match (only hashes are compared)', () => {
    // 'c2VjcmV0' is Base64 of 'secret' (6 bytes): valid Base64 but no hash, so it is never a match.
    expect(verifyHashedSecret('secret', [shared(Buffer.from('secret').toString('base64'))], now)).toBe(false);
  });
});

describe('isHashedSecret', () => {
  it('isHashedSecret - true for sha256/sha512 output, false for plaintext and other Base64', () => {
    expect(isHashedSecret(SECRET_SHA256)).toBe(true);
    expect(isHashedSecret(SECRET_SHA512)).toBe(true);
    expect(isHashedSecret('secret')).toBe(false);
    expect(isHashedSecret('')).toBe(false);
    expect(isHashedSecret(Buffer.alloc(20).toString('base64'))).toBe(false);
    expect(isHashedSecret(` ${SECRET_SHA256}`)).toBe(false);
  });
});
