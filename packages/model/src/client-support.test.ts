import { describe, expect, it } from 'vitest';
import { UNSUPPORTED_PROPERTY_MESSAGES as M } from './client-support.ts';
import { GrantTypes } from './grant-types.ts';
import { sha256 } from './secrets.ts';
import { validateClientDefinition } from './validate-client.ts';

const SECRET = { value: sha256('secret') };
const EC_KEY = JSON.stringify({
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
});

const web = (overrides: Record<string, unknown> = {}) => ({
  clientId: 'web',
  clientSecrets: [SECRET],
  allowedGrantTypes: GrantTypes.Code,
  redirectUris: ['https://app.example.com/signin-oidc'],
  allowedScopes: ['openid'],
  ...overrides,
});

const issuesOf = (input: unknown) => validateClientDefinition(input).issues;

describe('validateClientDefinition - properties idsrv refuses rather than ignores', () => {
  it.each([
    ['allowPlainTextPkce', true, ['allowPlainTextPkce'], 'pkce-plain-unsupported', M.allowPlainTextPkce],
    ['enableLocalLogin', false, ['enableLocalLogin'], 'local-login-required', M.enableLocalLogin],
    [
      'identityProviderRestrictions',
      ['Google'],
      ['identityProviderRestrictions'],
      'identity-provider-unknown',
      M.identityProviderRestrictions,
    ],
    [
      'pairWiseSubjectSalt',
      'salt',
      ['pairWiseSubjectSalt'],
      'pairwise-subject-unsupported',
      M.pairWiseSubjectSalt,
    ],
    ['cibaLifetime', 300, ['cibaLifetime'], 'ciba-unsupported', M.cibaLifetime],
    [
      'requireRequestObject',
      true,
      ['requireRequestObject'],
      'request-object-key-required',
      M.requestObjectKey,
    ],
  ])(
    'validateClientDefinition - %s = %j is refused with its message',
    (property, value, path, rule, message) => {
      expect(issuesOf(web({ [property]: value }))).toEqual([{ path, rule, message }]);
    },
  );

  it.each([
    ['allowPlainTextPkce', false],
    ['enableLocalLogin', true],
    ['identityProviderRestrictions', []],
  ])('validateClientDefinition - %s = %j (the default) is fine', (property, value) => {
    expect(issuesOf(web({ [property]: value }))).toEqual([]);
  });

  it('validateClientDefinition - X.509 secrets (mutual TLS) are refused at their index; shared and JWK secrets are not', () => {
    const issues = issuesOf(
      web({
        clientSecrets: [
          SECRET,
          { type: 'X509Thumbprint', value: 'A1B2C3' },
          { type: 'JWK', value: EC_KEY },
          { type: 'X509Name', value: 'CN=client' },
        ],
      }),
    );
    expect(issues).toEqual([
      { path: ['clientSecrets', 1, 'type'], rule: 'secret-type-unsupported', message: M.x509Secret },
      { path: ['clientSecrets', 3, 'type'], rule: 'secret-type-unsupported', message: M.x509Secret },
    ]);
  });

  it('validateClientDefinition - the CIBA grant is refused at its index', () => {
    const issues = issuesOf({
      clientId: 'ciba',
      clientSecrets: [SECRET],
      allowedGrantTypes: ['client_credentials', ...GrantTypes.Ciba],
      allowedScopes: ['api1'],
    });
    expect(issues).toEqual([
      { path: ['allowedGrantTypes', 1], rule: 'grant-type-unsupported', message: M.ciba },
    ]);
    expect(M.ciba).toContain('urn:openid:params:grant-type:ciba');
  });

  it('validateClientDefinition - the JWT bearer grant is refused at its index', () => {
    const issues = issuesOf({
      clientId: 'assertions',
      clientSecrets: [SECRET],
      allowedGrantTypes: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      allowedScopes: ['api1'],
    });
    expect(issues).toEqual([
      { path: ['allowedGrantTypes', 0], rule: 'grant-type-unsupported', message: M.jwtBearer },
    ]);
  });

  it('validateClientDefinition - RequireRequestObject with a JWK secret (the key that verifies the request object) is fine', () => {
    expect(
      issuesOf(web({ requireRequestObject: true, clientSecrets: [SECRET, { value: EC_KEY, type: 'JWK' }] })),
    ).toEqual([]);
  });
});
