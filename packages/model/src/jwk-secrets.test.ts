import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwkSecretProblem } from './jwk-secrets.ts';
import { sha256 } from './secrets.ts';
import { validateClientDefinition } from './validate-client.ts';

// Real keys, so the test covers what `JSON.stringify(jwk)` of an exported key really contains.
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const EC_PUBLIC = JSON.stringify(ec.publicKey.export({ format: 'jwk' }));
const EC_PRIVATE = JSON.stringify(ec.privateKey.export({ format: 'jwk' }));
const RSA_PUBLIC = JSON.stringify(rsa.publicKey.export({ format: 'jwk' }));
const RSA_PRIVATE = JSON.stringify(rsa.privateKey.export({ format: 'jwk' }));

const client = (value: string) => ({
  clientId: 'jwt.client',
  clientSecrets: [{ type: 'JWK', value }],
  allowedGrantTypes: ['client_credentials'],
  allowedScopes: ['api1'],
});

describe('jwkSecretProblem', () => {
  it('jwkSecretProblem - public EC and RSA keys are accepted', () => {
    expect(jwkSecretProblem(EC_PUBLIC)).toBeUndefined();
    expect(jwkSecretProblem(RSA_PUBLIC)).toBeUndefined();
  });

  it('jwkSecretProblem - a private key is refused, naming its private members', () => {
    expect(jwkSecretProblem(EC_PRIVATE)).toEqual({
      rule: 'secret-jwk-private',
      message: expect.stringContaining('private key members ("d")'),
    });
    expect(jwkSecretProblem(RSA_PRIVATE)?.message).toContain('"d", "p", "q", "dp", "dq", "qi"');
  });

  it('jwkSecretProblem - a symmetric (oct) key is refused', () => {
    expect(jwkSecretProblem(JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }))?.rule).toBe('secret-jwk-private');
  });

  it('jwkSecretProblem - text that is not a JWK object is secret-jwk-invalid', () => {
    for (const value of ['not json', '{"crv":"P-256"}', '"EC"', 'null']) {
      expect(jwkSecretProblem(value)?.rule, value).toBe('secret-jwk-invalid');
    }
  });
});

describe('validateClientDefinition - JWK secrets', () => {
  it('validateClientDefinition - a private JWK in ClientSecrets is refused at its path', () => {
    expect(validateClientDefinition(client(EC_PRIVATE)).issues).toEqual([
      {
        path: ['clientSecrets', 0, 'value'],
        rule: 'secret-jwk-private',
        message: expect.stringContaining("must be the client's public key"),
      },
    ]);
  });

  it('validateClientDefinition - a public JWK beside a shared secret is a valid client', () => {
    const mixed = {
      ...client(EC_PUBLIC),
      clientSecrets: [{ type: 'JWK', value: EC_PUBLIC }, { value: sha256('secret') }],
    };
    expect(validateClientDefinition(mixed).issues).toEqual([]);
  });
});
