import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, verifyPassword } from './passwords.ts';

// Low cost keeps the suite fast; the default (ln=17) is checked once for its format only.
const FAST = { ln: 10 };

describe('hashPassword / verifyPassword', () => {
  it('hashPassword - produces a PHC scrypt string with the default OWASP parameters', async () => {
    const hash = await hashPassword('alice');
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(isPasswordHash(hash)).toBe(true);
    // 128 MiB of scrypt work is deliberate; on a busy 2-core CI machine it can take several seconds.
  }, 60_000);

  it('verifyPassword - accepts the password and rejects any other', async () => {
    const hash = await hashPassword('correct horse', FAST);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('hashPassword - salts: the same password hashes differently twice', async () => {
    expect(await hashPassword('x', FAST)).not.toBe(await hashPassword('x', FAST));
  });

  it('verifyPassword - NFC-normalises, so composed and decomposed accents match', async () => {
    const hash = await hashPassword('caf\u00e9', FAST);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it('verifyPassword - a malformed or hostile hash is false, never a throw', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(
      await verifyPassword(
        'x',
        '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      ),
    ).toBe(false);
    expect(isPasswordHash('$scrypt$ln=30,r=8,p=1$AAAA$AAAA')).toBe(false);
  });

  it('hashPassword - refuses parameters outside the safe range', async () => {
    await expect(hashPassword('x', { ln: 4 })).rejects.toThrow(RangeError);
  });
});
