import { describe, expect, it } from 'vitest';
import type { ClientInput } from './client.ts';
import { formatPath, ModelValidationError, type ValidationIssue } from './errors.ts';
import { GrantTypes } from './grant-types.ts';
import { sha256, sha512 } from './secrets.ts';
import {
  type ClientValidationContext,
  defineClient,
  FORBIDDEN_REDIRECT_SCHEMES,
  validateClientDefinition,
} from './validate-client.ts';

const SECRET = { value: sha256('secret') };

/** A valid machine-to-machine client; each test changes one thing. */
const service = (overrides: Record<string, unknown> = {}) => ({
  clientId: 'service.client',
  clientSecrets: [SECRET],
  allowedGrantTypes: GrantTypes.ClientCredentials,
  allowedScopes: ['api1'],
  ...overrides,
});

/** A valid code-flow client; each test changes one thing. */
const web = (overrides: Record<string, unknown> = {}) => ({
  clientId: 'web',
  clientSecrets: [SECRET],
  allowedGrantTypes: GrantTypes.Code,
  redirectUris: ['https://app.example.com/signin-oidc'],
  allowedScopes: ['openid'],
  ...overrides,
});

const issuesOf = (input: unknown, context?: ClientValidationContext): ValidationIssue[] =>
  validateClientDefinition(input, [], context).issues;

/** The only issue of `input`, failing the test when there is not exactly one. */
const onlyIssue = (input: unknown, context?: ClientValidationContext): ValidationIssue => {
  const issues = issuesOf(input, context);
  expect(issues).toHaveLength(1);
  return issues[0]!;
};

describe('validateClientDefinition - valid clients', () => {
  it('validateClientDefinition - a valid client has no issues and comes back with defaults applied', () => {
    const result = validateClientDefinition(service());
    expect(result.issues).toEqual([]);
    expect(result.client?.clientId).toBe('service.client');
    expect(result.client?.accessTokenLifetime).toBe(3600);
    expect(result.client?.clientSecrets).toEqual([{ value: sha256('secret'), type: 'SharedSecret' }]);
  });

  it('validateClientDefinition - a client with issues comes back undefined', () => {
    expect(validateClientDefinition(service({ allowedGrantTypes: [] })).client).toBeUndefined();
  });

  it('validateClientDefinition - the base code-flow client is valid', () => {
    expect(issuesOf(web())).toEqual([]);
  });

  it('validateClientDefinition - a public code client with PKCE (requireClientSecret false, no secret) is valid', () => {
    expect(issuesOf(web({ requireClientSecret: false, clientSecrets: [] }))).toEqual([]);
  });

  it('validateClientDefinition - an implicit client needs no secret', () => {
    expect(issuesOf(web({ allowedGrantTypes: GrantTypes.Implicit, clientSecrets: [] }))).toEqual([]);
  });

  it('validateClientDefinition - a SHA-512 hashed secret is accepted', () => {
    expect(issuesOf(service({ clientSecrets: [{ value: sha512('secret') }] }))).toEqual([]);
  });
});

describe('validateClientDefinition - shape', () => {
  it("validateClientDefinition - not an object: 'must be an object' at the client's path", () => {
    for (const input of ['service.client', null, [], 42]) {
      expect(validateClientDefinition(input, ['clients', 0]).issues).toEqual([
        { path: ['clients', 0], rule: 'type', message: 'must be an object' },
      ]);
    }
  });

  it("validateClientDefinition - without clientId: 'is required' at clientId", () => {
    const { clientId: _, ...withoutId } = service();
    expect(onlyIssue(withoutId)).toEqual({ path: ['clientId'], rule: 'required', message: 'is required' });
  });

  it("validateClientDefinition - empty clientId: 'a client needs a clientId' at clientId", () => {
    expect(onlyIssue(service({ clientId: '' }))).toEqual({
      path: ['clientId'],
      rule: 'type',
      message: 'a client needs a clientId',
    });
  });

  it("validateClientDefinition - unknown property: 'did you mean' the nearest property name", () => {
    expect(onlyIssue(service({ AllowedScope: ['api1'] }))).toEqual({
      path: ['AllowedScope'],
      rule: 'unknown-property',
      message: "unknown property 'AllowedScope'; did you mean 'allowedScopes'?",
    });
    expect(onlyIssue(service({ redirectUri: [] })).message).toBe(
      "unknown property 'redirectUri'; did you mean 'redirectUris'?",
    );
  });

  it('validateClientDefinition - unknown property unlike any name: no suggestion', () => {
    expect(onlyIssue(service({ colour: 'blue' }))).toEqual({
      path: ['colour'],
      rule: 'unknown-property',
      message: "unknown property 'colour'",
    });
  });

  it('validateClientDefinition - a property named like an Object.prototype member is unknown too', () => {
    // Regression: `key in shape` found these through the prototype and dropped them without a word.
    for (const key of ['toString', 'constructor', 'hasOwnProperty']) {
      expect(onlyIssue(service({ [key]: 'x' })), key).toMatchObject({
        path: [key],
        rule: 'unknown-property',
      });
    }
  });

  it('validateClientDefinition - unknown property inside a secret: reported at the key with a suggestion', () => {
    expect(issuesOf(service({ clientSecrets: [SECRET, { value: sha256('b'), descripton: 'old' }] }))).toEqual(
      [
        {
          path: ['clientSecrets', 1, 'descripton'],
          rule: 'unknown-property',
          message: "unknown property 'descripton'; did you mean 'description'?",
        },
      ],
    );
    expect(issuesOf(service({ claims: [{ type: 'role', value: 'admin', valueTyp: 'x' }] }))).toEqual([
      {
        path: ['claims', 0, 'valueTyp'],
        rule: 'unknown-property',
        message: "unknown property 'valueTyp'; did you mean 'valueType'?",
      },
    ]);
  });

  it("validateClientDefinition - a secret without value: 'is required' at clientSecrets[i].value", () => {
    expect(issuesOf(service({ clientSecrets: [{ type: 'SharedSecret' }] }))).toEqual([
      { path: ['clientSecrets', 0, 'value'], rule: 'required', message: 'is required' },
    ]);
  });

  it.each([
    ['enabled', 'yes', 'Invalid input: expected boolean, received string'],
    ['allowedScopes', 'api1', 'Invalid input: expected array, received string'],
    ['accessTokenLifetime', '3600', 'Invalid input: expected number, received string'],
    ['accessTokenLifetime', 1.5, 'must be a whole number of seconds'],
    ['refreshTokenUsage', 'Sometimes', 'Invalid option: expected one of "ReUse"|"OneTimeOnly"'],
    ['accessTokenType', 'jwt', 'Invalid option: expected one of "Jwt"|"Reference"'],
    ['properties', { a: 1 }, 'Invalid input: expected string, received number'],
  ])(
    'validateClientDefinition - wrong type of %s (%j): a type issue at its path',
    (property, value, message) => {
      const issue = onlyIssue(service({ [property]: value }));
      expect(issue.rule).toBe('type');
      expect(issue.message).toBe(message);
      expect(issue.path[0]).toBe(property);
    },
  );

  it('validateClientDefinition - a wrong item type points at the item', () => {
    expect(onlyIssue(service({ allowedScopes: ['api1', 2] })).path).toEqual(['allowedScopes', 1]);
  });

  it('validateClientDefinition - a broken property is reported once: rules that read it are skipped', () => {
    // redirectUris is not a list: no 'No redirect URI configured.' on top of the type issue.
    expect(issuesOf(web({ redirectUris: 'https://app.example.com/cb' }))).toEqual([
      {
        path: ['redirectUris'],
        rule: 'type',
        message: 'Invalid input: expected array, received string',
      },
    ]);
    // allowedGrantTypes is not a list: no grant, secret or redirect rule runs.
    expect(issuesOf({ clientId: 'x', allowedGrantTypes: 'client_credentials' }).map((i) => i.rule)).toEqual([
      'type',
    ]);
  });

  it("validateClientDefinition - protocolType other than 'oidc' is unsupported", () => {
    expect(onlyIssue(service({ protocolType: 'saml2p' }))).toEqual({
      path: ['protocolType'],
      rule: 'protocol-type-unsupported',
      message: "protocol type 'saml2p' is not supported; idsrv serves 'oidc' only",
    });
  });
});

describe('validateClientDefinition - grant types', () => {
  it("validateClientDefinition - no grant type: 'no allowed grant type specified' at allowedGrantTypes", () => {
    expect(onlyIssue(service({ allowedGrantTypes: [] }))).toEqual({
      path: ['allowedGrantTypes'],
      rule: 'grant-type-required',
      message: 'no allowed grant type specified',
    });
  });

  it("validateClientDefinition - forbidden pair: IdentityServer's message at allowedGrantTypes", () => {
    expect(onlyIssue(web({ allowedGrantTypes: ['authorization_code', 'hybrid'] }))).toEqual({
      path: ['allowedGrantTypes'],
      rule: 'grant-type-combination',
      message: 'Grant types list cannot contain both authorization_code and hybrid',
    });
  });

  it('validateClientDefinition - spaces and duplicates in grant types are reported at their index', () => {
    expect(
      issuesOf(service({ allowedGrantTypes: ['client_credentials', 'client_credentials', 'a b'] })).map(
        (i) => [i.rule, i.path],
      ),
    ).toEqual([
      ['grant-type-duplicate', ['allowedGrantTypes', 1]],
      ['grant-type-whitespace', ['allowedGrantTypes', 2]],
    ]);
  });
});

describe('validateClientDefinition - redirect URIs required', () => {
  it.each([
    ['Code', GrantTypes.Code],
    ['Hybrid', GrantTypes.Hybrid],
    ['Implicit', GrantTypes.Implicit],
    ['CodeAndClientCredentials', GrantTypes.CodeAndClientCredentials],
  ])(
    "validateClientDefinition - %s flow without redirect URIs: 'No redirect URI configured.' at redirectUris",
    (_name, grants) => {
      expect(onlyIssue(web({ allowedGrantTypes: grants, redirectUris: [] }))).toEqual({
        path: ['redirectUris'],
        rule: 'redirect-uri-required',
        message: 'No redirect URI configured.',
      });
    },
  );

  it.each([
    ['ClientCredentials', GrantTypes.ClientCredentials],
    ['ResourceOwnerPassword', GrantTypes.ResourceOwnerPassword],
    ['DeviceFlow', GrantTypes.DeviceFlow],
  ])('validateClientDefinition - %s needs no redirect URI', (_name, grants) => {
    expect(issuesOf(service({ allowedGrantTypes: grants }))).toEqual([]);
  });
});

describe('validateClientDefinition - secrets', () => {
  it.each([
    ['authorization_code', web({ clientSecrets: [] })],
    ['client_credentials', service({ clientSecrets: [] })],
    ['password', service({ clientSecrets: [], allowedGrantTypes: GrantTypes.ResourceOwnerPassword })],
    [
      'client_credentials',
      web({ clientSecrets: [], allowedGrantTypes: GrantTypes.ImplicitAndClientCredentials }),
    ],
  ])(
    "validateClientDefinition - no secret for %s: IdentityServer's message at clientSecrets",
    (grant, input) => {
      expect(onlyIssue(input)).toEqual({
        path: ['clientSecrets'],
        rule: 'secret-required',
        message: `Client secret is required for ${grant}, but no client secret is configured.`,
      });
    },
  );

  it("validateClientDefinition - client credentials on a public client: IdentityServer's message at requireClientSecret", () => {
    expect(onlyIssue(service({ requireClientSecret: false }))).toEqual({
      path: ['requireClientSecret'],
      rule: 'client-credentials-public',
      message: 'RequireClientSecret is false, but client is using client credentials grant type.',
    });
  });

  it('validateClientDefinition - a plaintext SharedSecret is refused at its value', () => {
    expect(onlyIssue(service({ clientSecrets: [SECRET, { value: 'secret' }] }))).toEqual({
      path: ['clientSecrets', 1, 'value'],
      rule: 'secret-not-hashed',
      message:
        'a SharedSecret value must be the Base64 SHA-256 or SHA-512 hash of the secret (sha256("…")), never the plaintext',
    });
  });

  it('validateClientDefinition - X.509 secrets are not checked as hashes: they are refused as unsupported (no mTLS)', () => {
    expect(issuesOf(service({ clientSecrets: [SECRET, { value: 'CN=service', type: 'X509Name' }] }))).toEqual(
      [expect.objectContaining({ path: ['clientSecrets', 1, 'type'], rule: 'secret-type-unsupported' })],
    );
  });

  it('validateClientDefinition - a JWK secret must be a JSON Web Key with "kty"', () => {
    const jwk = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' });
    expect(issuesOf(service({ clientSecrets: [{ value: jwk, type: 'JWK' }] }))).toEqual([]);
    for (const value of ['not json', '{"crv":"P-256"}', '"EC"']) {
      expect(onlyIssue(service({ clientSecrets: [{ value, type: 'JWK' }] })), value).toEqual({
        path: ['clientSecrets', 0, 'value'],
        rule: 'secret-jwk-invalid',
        message: 'a JWK secret must be a JSON Web Key object with a "kty"',
      });
    }
  });
});

describe('validateClientDefinition - offline access', () => {
  it('validateClientDefinition - allowOfflineAccess without a refresh-capable grant is refused', () => {
    expect(onlyIssue(service({ allowOfflineAccess: true }))).toEqual({
      path: ['allowOfflineAccess'],
      rule: 'offline-access-grant',
      message:
        'AllowOfflineAccess is true, but none of the allowed grant types (client_credentials) can issue refresh tokens.',
    });
    expect(onlyIssue(web({ allowOfflineAccess: true, allowedGrantTypes: GrantTypes.Implicit })).rule).toBe(
      'offline-access-grant',
    );
  });

  it.each([
    ['Code', web({ allowedGrantTypes: GrantTypes.Code })],
    ['Hybrid', web({ allowedGrantTypes: GrantTypes.Hybrid })],
    ['ResourceOwnerPassword', service({ allowedGrantTypes: GrantTypes.ResourceOwnerPassword })],
    ['DeviceFlow', service({ allowedGrantTypes: GrantTypes.DeviceFlow })],
    [
      'ClientCredentials + an extension grant',
      service({ allowedGrantTypes: ['client_credentials', 'delegation'] }),
    ],
  ])('validateClientDefinition - allowOfflineAccess with %s is fine', (_name, input) => {
    expect(issuesOf({ ...input, allowOfflineAccess: true })).toEqual([]);
  });
});

describe('validateClientDefinition - lifetimes', () => {
  it.each([
    ['accessTokenLifetime', 'access token lifetime is 0 or negative'],
    ['identityTokenLifetime', 'identity token lifetime is 0 or negative'],
    ['authorizationCodeLifetime', 'authorization code lifetime is 0 or negative'],
    ['consentLifetime', 'consent lifetime is 0 or negative'],
    ['userSsoLifetime', 'user SSO lifetime is 0 or negative'],
    ['pushedAuthorizationLifetime', 'pushed authorization lifetime is 0 or negative'],
    ['pollingInterval', 'polling interval is 0 or negative'],
  ])("validateClientDefinition - %s of 0 or less: '%s'", (property, message) => {
    for (const value of [0, -1]) {
      expect(onlyIssue(service({ [property]: value }))).toEqual({
        path: [property],
        rule: 'lifetime-not-positive',
        message,
      });
    }
    expect(issuesOf(service({ [property]: 1 }))).toEqual([]);
  });

  it("validateClientDefinition - deviceCodeLifetime of 0 or less with the device flow: 'device code lifetime is 0 or negative'", () => {
    for (const value of [0, -1]) {
      expect(
        onlyIssue(service({ allowedGrantTypes: GrantTypes.DeviceFlow, deviceCodeLifetime: value })),
      ).toEqual({
        path: ['deviceCodeLifetime'],
        rule: 'lifetime-not-positive',
        message: 'device code lifetime is 0 or negative',
      });
    }
  });

  it('validateClientDefinition - deviceCodeLifetime is not checked without the device flow (as IdentityServer)', () => {
    expect(issuesOf(service({ deviceCodeLifetime: 0 }))).toEqual([]);
  });

  it.each([
    ['absoluteRefreshTokenLifetime', 'absolute refresh token lifetime is negative'],
    ['slidingRefreshTokenLifetime', 'sliding refresh token lifetime is negative'],
    ['dPoPClockSkew', 'DPoP clock skew is negative'],
  ])("validateClientDefinition - negative %s: '%s'; 0 is allowed", (property, message) => {
    expect(onlyIssue(service({ [property]: -1 }))).toEqual({
      path: [property],
      rule: 'lifetime-negative',
      message,
    });
    expect(issuesOf(service({ [property]: 0 }))).toEqual([]);
  });
});

describe('validateClientDefinition - redirect and post-logout redirect URIs', () => {
  it.each([...FORBIDDEN_REDIRECT_SCHEMES])(
    'validateClientDefinition - the %s scheme is refused',
    (scheme) => {
      const uri = `${scheme}//example/cb`;
      expect(onlyIssue(web({ redirectUris: [uri] }))).toEqual({
        path: ['redirectUris', 0],
        rule: 'redirect-uri-scheme',
        message: `the '${scheme}' scheme is not allowed in a redirect URI: '${uri}'`,
      });
      expect(onlyIssue(web({ postLogoutRedirectUris: [uri] }))).toEqual({
        path: ['postLogoutRedirectUris', 0],
        rule: 'redirect-uri-scheme',
        message: `the '${scheme}' scheme is not allowed in a post-logout redirect URI: '${uri}'`,
      });
    },
  );

  it("validateClientDefinition - IdentityServer's forbidden schemes", () => {
    expect(FORBIDDEN_REDIRECT_SCHEMES).toEqual([
      'javascript:',
      'file:',
      'data:',
      'mailto:',
      'ftp:',
      'blob:',
      'about:',
      'ssh:',
      'tel:',
      'view-source:',
      'ws:',
      'wss:',
    ]);
  });

  it('validateClientDefinition - forbidden schemes are matched case-insensitively', () => {
    expect(onlyIssue(web({ redirectUris: ['JavaScript:alert(1)'] })).rule).toBe('redirect-uri-scheme');
  });

  it('validateClientDefinition - spaces and control characters that the URL parser would strip are refused', () => {
    // Regression: ' javascript:…' and 'java\tscript:…' parse as javascript: URLs and slipped past the scheme check.
    for (const uri of [
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'https://app.example.com/cb ',
      'https://a\n.com/',
    ]) {
      expect(onlyIssue(web({ redirectUris: [uri] })), JSON.stringify(uri)).toEqual({
        path: ['redirectUris', 0],
        rule: 'redirect-uri-invalid',
        message: `a redirect URI must not contain spaces or control characters: '${uri}'`,
      });
    }
  });

  it('validateClientDefinition - a relative redirect URI is refused', () => {
    expect(onlyIssue(web({ redirectUris: ['/signin-oidc'] }))).toEqual({
      path: ['redirectUris', 0],
      rule: 'redirect-uri-invalid',
      message: "'/signin-oidc' is not an absolute URI",
    });
  });

  it('validateClientDefinition - a wildcard redirect URI is refused (exact match, RFC 9700)', () => {
    for (const uri of ['https://*.example.com/cb', 'https://app.example.com/*']) {
      expect(onlyIssue(web({ redirectUris: [uri] }))).toEqual({
        path: ['redirectUris', 0],
        rule: 'redirect-uri-wildcard',
        message: `wildcards are not allowed in a redirect URI; it must match exactly (RFC 9700): '${uri}'`,
      });
    }
  });

  it('validateClientDefinition - a redirect URI with a fragment is refused', () => {
    const uri = 'https://app.example.com/cb#done';
    expect(onlyIssue(web({ redirectUris: [uri] }))).toEqual({
      path: ['redirectUris', 0],
      rule: 'redirect-uri-fragment',
      message: `a redirect URI must not contain a fragment (RFC 6749 §3.1.2): '${uri}'`,
    });
  });

  it('validateClientDefinition - http is refused for a non-loopback host', () => {
    const uri = 'http://app.example.com/cb';
    expect(onlyIssue(web({ redirectUris: ['https://app.example.com/cb', uri] }))).toEqual({
      path: ['redirectUris', 1],
      rule: 'redirect-uri-http',
      message: `http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1]); use https (RFC 9700 §2.6): '${uri}'`,
    });
    expect(onlyIssue(web({ postLogoutRedirectUris: [uri] })).path).toEqual(['postLogoutRedirectUris', 0]);
  });

  it('validateClientDefinition - http on loopback hosts and native-app schemes are allowed', () => {
    expect(
      issuesOf(
        web({
          redirectUris: [
            'http://localhost:21402/signin-oidc',
            'http://127.0.0.1:8080/cb',
            'http://[::1]/cb',
            'com.example.app:/oauth2redirect',
          ],
          postLogoutRedirectUris: ['http://localhost:21402/'],
        }),
      ),
    ).toEqual([]);
  });

  it('validateClientDefinition - one URI breaking several rules gets one issue per rule', () => {
    expect(issuesOf(web({ redirectUris: ['http://*.example.com/cb#x'] })).map((i) => i.rule)).toEqual([
      'redirect-uri-wildcard',
      'redirect-uri-fragment',
      'redirect-uri-http',
    ]);
  });
});

describe('validateClientDefinition - other URIs', () => {
  it.each(['clientUri', 'logoUri', 'frontChannelLogoutUri', 'backChannelLogoutUri', 'initiateLoginUri'])(
    'validateClientDefinition - %s must be an absolute http(s) URL',
    (property) => {
      for (const value of ['app.example.com', 'ftp://app.example.com/x']) {
        expect(onlyIssue(service({ [property]: value }))).toEqual({
          path: [property],
          rule: 'uri-invalid',
          message: `'${value}' is not an absolute http or https URL`,
        });
      }
    },
  );

  it('validateClientDefinition - initiateLoginUri must use https', () => {
    expect(onlyIssue(service({ initiateLoginUri: 'http://localhost/login' }))).toEqual({
      path: ['initiateLoginUri'],
      rule: 'uri-not-https',
      message: 'initiate_login_uri must use https (OpenID Connect Registration §2)',
    });
    expect(issuesOf(service({ initiateLoginUri: 'HTTPS://app.example.com/login' }))).toEqual([]);
  });
});

describe('validateClientDefinition - CORS origins', () => {
  it('validateClientDefinition - origins without path or trailing slash are accepted', () => {
    expect(
      issuesOf(
        service({
          allowedCorsOrigins: [
            'https://app.example.com',
            'http://localhost:5000',
            'https://App.Example.com:8443',
          ],
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    'https://app.example.com/',
    'https://app.example.com/path',
    'app.example.com',
    'https://app.example.com?x=1',
    'ftp://app.example.com',
  ])("validateClientDefinition - '%s' is not an origin: IdentityServer's message at its index", (origin) => {
    expect(onlyIssue(service({ allowedCorsOrigins: ['https://ok.example.com', origin] }))).toEqual({
      path: ['allowedCorsOrigins', 1],
      rule: 'cors-origin-invalid',
      message: `AllowedCorsOrigins contains invalid origin: ${origin}`,
    });
  });

  it("validateClientDefinition - an empty origin: IdentityServer's 'There is an empty value.'", () => {
    expect(onlyIssue(service({ allowedCorsOrigins: [''] }))).toEqual({
      path: ['allowedCorsOrigins', 0],
      rule: 'cors-origin-invalid',
      message: 'AllowedCorsOrigins contains invalid origin. There is an empty value.',
    });
  });
});

describe('validateClientDefinition - signing algorithms and scopes', () => {
  it('validateClientDefinition - identity token algorithms must be asymmetric', () => {
    expect(issuesOf(service({ allowedIdentityTokenSigningAlgorithms: ['RS256', 'ES256', 'EdDSA'] }))).toEqual(
      [],
    );
    expect(onlyIssue(service({ allowedIdentityTokenSigningAlgorithms: ['RS256', 'HS256'] }))).toMatchObject({
      path: ['allowedIdentityTokenSigningAlgorithms', 1],
      rule: 'signing-algorithm-unknown',
    });
    expect(onlyIssue(service({ allowedIdentityTokenSigningAlgorithms: ['none'] })).message).toBe(
      "'none' is not an asymmetric signing algorithm (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA)",
    );
  });

  it('validateClientDefinition - with known scopes, an unknown allowed scope is refused at its index', () => {
    const knownScopes = new Set(['openid', 'api1']);
    expect(onlyIssue(service({ allowedScopes: ['api1', 'api2'] }), { knownScopes })).toEqual({
      path: ['allowedScopes', 1],
      rule: 'allowed-scope-unknown',
      message: "scope 'api2' is not defined as an identity resource or an API scope",
    });
  });

  it('validateClientDefinition - offline_access is always a known scope', () => {
    expect(
      issuesOf(web({ allowedScopes: ['openid', 'offline_access'] }), { knownScopes: new Set(['openid']) }),
    ).toEqual([]);
  });

  it('validateClientDefinition - without known scopes, scopes are not checked', () => {
    expect(issuesOf(service({ allowedScopes: ['anything'] }))).toEqual([]);
  });
});

describe('validateClientDefinition - every problem at once', () => {
  const broken = {
    clientId: 'broken',
    allowedGrantTypes: ['authorization_code', 'implicit'],
    redirectUris: [],
    postLogoutRedirectUris: ['javascript:alert(1)'],
    accessTokenLifetime: 0,
    allowedCorsOrigins: ['https://app.example.com/'],
    requireClientSecret: true,
    AllowedScope: ['api1'],
    enabled: 'yes',
  };
  const expected: [string, (string | number)[]][] = [
    ['unknown-property', ['clients', 1, 'AllowedScope']],
    ['type', ['clients', 1, 'enabled']],
    ['grant-type-combination', ['clients', 1, 'allowedGrantTypes']],
    ['redirect-uri-required', ['clients', 1, 'redirectUris']],
    ['secret-required', ['clients', 1, 'clientSecrets']],
    ['lifetime-not-positive', ['clients', 1, 'accessTokenLifetime']],
    ['redirect-uri-scheme', ['clients', 1, 'postLogoutRedirectUris', 0]],
    ['cors-origin-invalid', ['clients', 1, 'allowedCorsOrigins', 0]],
  ];

  it('validateClientDefinition - several problems in one client are all reported, each with its path', () => {
    const { issues, client } = validateClientDefinition(broken, ['clients', 1]);
    expect(client).toBeUndefined();
    expect(issues.map((i) => [i.rule, i.path])).toEqual(expected);
  });

  it("validateClientDefinition - paths format as 'clients[1].redirectUris' and, for appsettings.json, 'Clients[1].RedirectUris'", () => {
    const { issues } = validateClientDefinition(broken, ['clients', 1]);
    const redirect = issues.find((i) => i.rule === 'redirect-uri-required')!;
    expect(formatPath(redirect.path)).toBe('clients[1].redirectUris');
    expect(formatPath(redirect.path, 'pascal')).toBe('Clients[1].RedirectUris');
    const scheme = issues.find((i) => i.rule === 'redirect-uri-scheme')!;
    expect(formatPath(scheme.path, 'pascal')).toBe('Clients[1].PostLogoutRedirectUris[0]');
  });
});

describe('defineClient', () => {
  it('defineClient - returns the client with every default applied', () => {
    const client = defineClient({
      clientId: 'service.client',
      clientSecrets: [{ value: sha256('secret') }],
      allowedGrantTypes: GrantTypes.ClientCredentials,
      allowedScopes: ['api1'],
    });
    expect(client).toMatchObject({
      enabled: true,
      requireClientSecret: true,
      accessTokenLifetime: 3600,
      refreshTokenUsage: 'ReUse',
      refreshTokenExpiration: 'Absolute',
      clientSecrets: [{ value: sha256('secret'), type: 'SharedSecret' }],
    });
  });

  it('defineClient - throws ModelValidationError (ERR_MODEL_INVALID) listing every problem', () => {
    const input: ClientInput = {
      clientId: 'web',
      allowedGrantTypes: GrantTypes.Code,
      accessTokenLifetime: -5,
    };
    let error: unknown;
    try {
      defineClient(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelValidationError);
    const e = error as ModelValidationError;
    expect(e.code).toBe('ERR_MODEL_INVALID');
    expect(e.issues.map((i) => i.rule)).toEqual([
      'redirect-uri-required',
      'secret-required',
      'lifetime-not-positive',
    ]);
    expect(e.message).toBe(
      [
        "Invalid client 'web': 3 problems",
        '  - redirectUris: No redirect URI configured. [redirect-uri-required]',
        '  - clientSecrets: Client secret is required for authorization_code, but no client secret is configured. [secret-required]',
        '  - accessTokenLifetime: access token lifetime is 0 or negative [lifetime-not-positive]',
      ].join('\n'),
    );
  });

  it('defineClient - checks allowed scopes against the context when given', () => {
    expect(() =>
      defineClient(
        {
          clientId: 's',
          clientSecrets: [SECRET],
          allowedGrantTypes: GrantTypes.ClientCredentials,
          allowedScopes: ['x'],
        },
        { knownScopes: new Set(['api1']) },
      ),
    ).toThrow("scope 'x' is not defined as an identity resource or an API scope");
  });
});
