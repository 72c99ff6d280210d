import { describe, expect, it } from 'vitest';
import {
  checkIdTokenSigningAlgorithms,
  idTokenSigningAlgorithm,
  keyAlgorithms,
} from './signing-algorithms.ts';

const client = (clientId: string, allowed: string[]) => ({
  clientId,
  allowedIdentityTokenSigningAlgorithms: allowed,
});
const JWKS = { keys: [{ alg: 'ES256' }, { alg: 'RS256' }, { alg: 'EdDSA', key_ops: ['verify'] }] };

describe('AllowedIdentityTokenSigningAlgorithms', () => {
  it('keyAlgorithms - the algorithms of the keys that sign, in key order; verify-only keys do not count', () => {
    expect(keyAlgorithms(JWKS)).toEqual(['ES256', 'RS256']);
  });

  it('idTokenSigningAlgorithm - the first allowed algorithm the server has a key for; none allowed is the default', () => {
    expect(idTokenSigningAlgorithm(client('a', ['PS256', 'RS256', 'ES256']), ['ES256', 'RS256'])).toBe(
      'RS256',
    );
    expect(idTokenSigningAlgorithm(client('a', []), ['ES256'])).toBeUndefined();
    expect(() => idTokenSigningAlgorithm(client('a', ['EdDSA']), keyAlgorithms(JWKS))).toThrow(
      "client 'a' allows identity tokens signed with EdDSA only, but the server's signing keys are ES256, RS256",
    );
  });

  it('checkIdTokenSigningAlgorithms - names every client the keys cannot serve, with ERR_CONFIG_INVALID', () => {
    expect(() =>
      checkIdTokenSigningAlgorithms([client('ok', ['RS256']), client('none', [])], JWKS),
    ).not.toThrow();
    let error: unknown;
    try {
      checkIdTokenSigningAlgorithms(
        [client('b', ['PS256']), client('ok', ['ES256']), client('c', ['EdDSA'])],
        JWKS,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    const message = (error as Error).message;
    expect(message).toContain("client 'b' allows identity tokens signed with PS256 only");
    expect(message).toContain("client 'c' allows identity tokens signed with EdDSA only");
    expect(message).not.toContain("client 'ok'");
  });
});
