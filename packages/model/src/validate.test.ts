import { describe, expect, it } from 'vitest';
import { formatPath, ModelValidationError, type ValidationIssue } from './errors.ts';
import { GrantTypes } from './grant-types.ts';
import { IdentityResources } from './resources.ts';
import { sha256 } from './secrets.ts';
import {
  type DefinitionsInput,
  defineApiResource,
  defineApiScope,
  defineDefinitions,
  defineIdentityResource,
  validateDefinitions,
} from './validate.ts';

const SECRET = { value: sha256('secret') };

const serviceClient = (clientId = 'service.client', allowedScopes = ['api1', 'api2.read_only']) => ({
  clientId,
  clientSecrets: [SECRET],
  allowedGrantTypes: GrantTypes.ClientCredentials,
  allowedScopes,
});

/** A valid set of definitions; each test changes one part. */
const valid = (): DefinitionsInput => ({
  clients: [
    serviceClient(),
    {
      clientId: 'interactive',
      allowedGrantTypes: GrantTypes.Code,
      allowOfflineAccess: true,
      clientSecrets: [SECRET],
      redirectUris: ['http://localhost:21402/signin-oidc'],
      allowedScopes: ['openid', 'profile', 'api1'],
    },
  ],
  identityResources: [IdentityResources.OpenId(), IdentityResources.Profile()],
  apiScopes: [{ name: 'api1' }, { name: 'api2.read_only' }],
  apiResources: [{ name: 'api', scopes: ['api1', 'api2.read_only'], apiSecrets: [SECRET] }],
});

const rulesAndPaths = (issues: ValidationIssue[]) => issues.map((i) => [i.rule, formatPath(i.path)]);

describe('validateDefinitions', () => {
  it('validateDefinitions - valid definitions come back with every default applied', () => {
    const { definitions, issues } = validateDefinitions(valid());
    expect(issues).toEqual([]);
    expect(definitions?.clients.map((c) => c.clientId)).toEqual(['service.client', 'interactive']);
    expect(definitions?.clients[0]?.accessTokenLifetime).toBe(3600);
    expect(definitions?.apiScopes[0]).toEqual({
      enabled: true,
      name: 'api1',
      showInDiscoveryDocument: true,
      userClaims: [],
      properties: {},
      required: false,
      emphasize: false,
    });
    expect(definitions?.apiResources[0]?.apiSecrets).toEqual([
      { value: sha256('secret'), type: 'SharedSecret' },
    ]);
    expect(definitions?.identityResources.map((r) => r.name)).toEqual(['openid', 'profile']);
  });

  it('validateDefinitions - an empty input is valid and empty', () => {
    expect(validateDefinitions({})).toEqual({
      definitions: { clients: [], identityResources: [], apiScopes: [], apiResources: [] },
      issues: [],
    });
  });

  it("validateDefinitions - duplicate client ids: at the later client's clientId", () => {
    const input = { ...valid(), clients: [serviceClient('a'), serviceClient('b'), serviceClient('a')] };
    expect(validateDefinitions(input).issues).toEqual([
      {
        path: ['clients', 2, 'clientId'],
        rule: 'duplicate-name',
        message: "'a' is already used by entry [0]; each clientId must be unique",
      },
    ]);
  });

  it('validateDefinitions - client ids are compared exactly (case-sensitive)', () => {
    const input = { ...valid(), clients: [serviceClient('a'), serviceClient('A')] };
    expect(validateDefinitions(input).issues).toEqual([]);
  });

  it.each<[string, DefinitionsInput, (string | number)[], string]>([
    [
      'identityResources',
      {
        identityResources: [
          IdentityResources.OpenId(),
          IdentityResources.Profile(),
          IdentityResources.OpenId(),
        ],
      },
      ['identityResources', 2, 'name'],
      'openid',
    ],
    [
      'apiScopes',
      { apiScopes: [{ name: 'api1' }, { name: 'api2.read_only' }, { name: 'api1' }] },
      ['apiScopes', 2, 'name'],
      'api1',
    ],
    [
      'apiResources',
      {
        apiResources: [
          { name: 'api', scopes: ['api1'] },
          { name: 'api', scopes: ['api2.read_only'] },
        ],
      },
      ['apiResources', 1, 'name'],
      'api',
    ],
  ])('validateDefinitions - duplicate %s names: at the later entry', (_key, part, path, name) => {
    expect(validateDefinitions({ ...valid(), ...part }).issues).toEqual([
      {
        path,
        rule: 'duplicate-name',
        message: `'${name}' is already used by entry [0]; each name must be unique`,
      },
    ]);
  });

  it('validateDefinitions - an identity resource without claims is refused at its userClaims', () => {
    const input = {
      ...valid(),
      identityResources: [IdentityResources.OpenId(), { name: 'roles' }, IdentityResources.Profile()],
    };
    expect(validateDefinitions(input).issues).toEqual([
      {
        path: ['identityResources', 1, 'userClaims'],
        rule: 'identity-resource-claims',
        message: "identity resource 'roles' needs at least one user claim",
      },
    ]);
  });

  it('validateDefinitions - an identity resource and an API scope with the same name conflict', () => {
    const input = {
      ...valid(),
      apiScopes: [{ name: 'api1' }, { name: 'api2.read_only' }, { name: 'profile' }],
    };
    expect(validateDefinitions(input).issues).toEqual([
      {
        path: ['apiScopes', 2, 'name'],
        rule: 'scope-name-conflict',
        message: "'profile' is the name of an identity resource and of an API scope; use different names",
      },
    ]);
  });

  it('validateDefinitions - an API resource naming an undefined scope is refused at that scope', () => {
    const input = { ...valid(), apiResources: [{ name: 'api', scopes: ['api1', 'api3'] }] };
    expect(validateDefinitions(input).issues).toEqual([
      {
        path: ['apiResources', 0, 'scopes', 1],
        rule: 'api-resource-scope-unknown',
        message: "API resource 'api' names scope 'api3', which is not defined as an API scope",
      },
    ]);
  });

  it('validateDefinitions - a plaintext API secret is refused at its value', () => {
    const input = {
      ...valid(),
      apiResources: [{ name: 'api', scopes: ['api1'], apiSecrets: [{ value: 'secret' }] }],
    };
    expect(validateDefinitions(input).issues).toEqual([
      {
        path: ['apiResources', 0, 'apiSecrets', 0, 'value'],
        rule: 'secret-not-hashed',
        message:
          'a SharedSecret value must be the Base64 SHA-256 or SHA-512 hash of the secret (sha256("…")), never the plaintext',
      },
    ]);
  });

  it('validateDefinitions - an X.509 API secret is refused at its type (no mutual TLS)', () => {
    const input = {
      ...valid(),
      apiResources: [
        { name: 'api', scopes: ['api1'], apiSecrets: [{ type: 'X509Thumbprint', value: 'A1B2' }] },
      ],
    };
    expect(validateDefinitions(input).issues).toEqual([
      expect.objectContaining({
        path: ['apiResources', 0, 'apiSecrets', 0, 'type'],
        rule: 'secret-type-unsupported',
      }),
    ]);
  });

  it("validateDefinitions - with resources given, a client's unknown scope is refused at its index", () => {
    const input = { ...valid(), clients: [serviceClient('s', ['api1', 'api3'])] };
    expect(validateDefinitions(input).issues).toEqual([
      {
        path: ['clients', 0, 'allowedScopes', 1],
        rule: 'allowed-scope-unknown',
        message: "scope 'api3' is not defined as an identity resource or an API scope",
      },
    ]);
  });

  it('validateDefinitions - identity resources count as known scopes; offline_access is always known', () => {
    const input = {
      ...valid(),
      clients: [serviceClient('s', ['openid', 'profile', 'api1', 'offline_access'])],
    };
    expect(validateDefinitions(input).issues).toEqual([]);
  });

  it('validateDefinitions - without resources, scopes are not checked (unless checkScopes says so)', () => {
    const input = { clients: [serviceClient('s', ['anything'])] };
    expect(validateDefinitions(input).issues).toEqual([]);
    expect(rulesAndPaths(validateDefinitions(input, { checkScopes: true }).issues)).toEqual([
      ['allowed-scope-unknown', 'clients[0].allowedScopes[0]'],
    ]);
  });

  it('validateDefinitions - checkScopes: false turns the scope check off even with resources', () => {
    const input = { ...valid(), clients: [serviceClient('s', ['api3'])] };
    expect(validateDefinitions(input, { checkScopes: false }).issues).toEqual([]);
  });

  it("validateDefinitions - unknown property in a resource: 'did you mean' the nearest name", () => {
    const input = {
      ...valid(),
      apiScopes: [{ name: 'api1' }, { name: 'api2.read_only', displayname: 'API 2' }],
    };
    expect(validateDefinitions(input).issues).toEqual([
      {
        path: ['apiScopes', 1, 'displayname'],
        rule: 'unknown-property',
        message: "unknown property 'displayname'; did you mean 'displayName'?",
      },
    ]);
  });

  it('validateDefinitions - a resource without a name is required at its name', () => {
    const input = {
      ...valid(),
      apiScopes: [{ name: 'api1' }, { name: 'api2.read_only' }, { displayName: 'x' }],
    };
    expect(validateDefinitions(input).issues).toEqual([
      { path: ['apiScopes', 2, 'name'], rule: 'required', message: 'is required' },
    ]);
  });

  it("validateDefinitions - options.path prefixes every path ('IdentityServer.Clients[1].RedirectUris')", () => {
    const input = valid();
    (input.clients![1] as { redirectUris: string[] }).redirectUris = [];
    const { issues } = validateDefinitions(input, { path: ['IdentityServer'] });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual(['IdentityServer', 'clients', 1, 'redirectUris']);
    expect(formatPath(issues[0]!.path, 'pascal')).toBe('IdentityServer.Clients[1].RedirectUris');
  });

  it('validateDefinitions - every problem in clients and resources is reported at once, and nothing is returned', () => {
    const input: DefinitionsInput = {
      clients: [
        serviceClient('a'),
        {
          clientId: 'web',
          allowedGrantTypes: GrantTypes.Code,
          clientSecrets: [{ value: 'plaintext' }],
          allowedScopes: ['openid', 'unknown'],
          AllowOfflineAccess: true,
        },
        serviceClient('a'),
      ],
      identityResources: [IdentityResources.OpenId(), { name: 'roles' }],
      apiScopes: [{ name: 'api1' }, { name: 'api2.read_only' }, { name: 'openid' }],
      apiResources: [{ name: 'api', scopes: ['api9'] }],
    };
    const result = validateDefinitions(input);
    expect(result.definitions).toBeUndefined();
    expect(rulesAndPaths(result.issues)).toEqual([
      ['identity-resource-claims', 'identityResources[1].userClaims'],
      ['scope-name-conflict', 'apiScopes[2].name'],
      ['api-resource-scope-unknown', 'apiResources[0].scopes[0]'],
      ['unknown-property', 'clients[1].AllowOfflineAccess'],
      ['redirect-uri-required', 'clients[1].redirectUris'],
      ['secret-not-hashed', 'clients[1].clientSecrets[0].value'],
      ['allowed-scope-unknown', 'clients[1].allowedScopes[1]'],
      ['duplicate-name', 'clients[2].clientId'],
    ]);
    expect(result.issues.find((i) => i.rule === 'unknown-property')?.message).toBe(
      "unknown property 'AllowOfflineAccess'; did you mean 'allowOfflineAccess'?",
    );
  });
});

describe('defineDefinitions and the define* helpers', () => {
  it('defineDefinitions - returns the definitions with defaults', () => {
    expect(defineDefinitions(valid()).clients[1]?.allowOfflineAccess).toBe(true);
  });

  it('defineDefinitions - throws ModelValidationError with every issue', () => {
    const input = { ...valid(), clients: [serviceClient('a'), serviceClient('a')] };
    expect(() => defineDefinitions(input)).toThrow(ModelValidationError);
    try {
      defineDefinitions(input);
    } catch (e) {
      const error = e as ModelValidationError;
      expect(error.code).toBe('ERR_MODEL_INVALID');
      expect(error.issues.map((i) => i.rule)).toEqual(['duplicate-name']);
      expect(error.message).toBe(
        "Invalid definitions: 1 problem\n  - clients[1].clientId: 'a' is already used by entry [0]; each clientId must be unique [duplicate-name]",
      );
    }
  });

  it('defineApiScope - applies the defaults', () => {
    expect(defineApiScope({ name: 'api1', displayName: 'API 1' })).toEqual({
      enabled: true,
      name: 'api1',
      displayName: 'API 1',
      showInDiscoveryDocument: true,
      userClaims: [],
      properties: {},
      required: false,
      emphasize: false,
    });
  });

  it('defineApiResource - applies the defaults and refuses a wrong type', () => {
    expect(defineApiResource({ name: 'api', scopes: ['api1'] }).requireResourceIndicator).toBe(false);
    expect(() => defineApiResource({ name: 'api', scopes: 'api1' as unknown as string[] })).toThrow(
      "Invalid API resource 'api': 1 problem\n  - scopes: Invalid input: expected array, received string [type]",
    );
  });

  it('defineApiResource - a plaintext API secret is refused; a hashed one is kept', () => {
    expect(defineApiResource({ name: 'api', apiSecrets: [{ value: sha256('secret') }] }).apiSecrets).toEqual([
      { value: sha256('secret'), type: 'SharedSecret' },
    ]);
    expect(() => defineApiResource({ name: 'api', apiSecrets: [{ value: 'secret' }] })).toThrow(
      "Invalid API resource 'api': 1 problem\n  - apiSecrets[0].value: a SharedSecret value must be",
    );
  });

  it('defineIdentityResource - applies the defaults; needs at least one user claim', () => {
    expect(defineIdentityResource({ name: 'roles', userClaims: ['role'] })).toMatchObject({
      name: 'roles',
      userClaims: ['role'],
      required: false,
      emphasize: false,
      enabled: true,
    });
    expect(() => defineIdentityResource({ name: 'roles' })).toThrow(
      "Invalid identity resource 'roles': 1 problem\n  - userClaims: needs at least one user claim [identity-resource-claims]",
    );
  });
});
