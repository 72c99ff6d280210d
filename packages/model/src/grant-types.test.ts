import { describe, expect, it } from 'vitest';
import { FORBIDDEN_GRANT_TYPE_PAIRS, GrantType, GrantTypes, validateGrantTypes } from './grant-types.ts';

describe('GrantType', () => {
  it("GrantType - the protocol strings are IdentityServer's", () => {
    expect(GrantType).toEqual({
      Implicit: 'implicit',
      Hybrid: 'hybrid',
      AuthorizationCode: 'authorization_code',
      ClientCredentials: 'client_credentials',
      ResourceOwnerPassword: 'password',
      RefreshToken: 'refresh_token',
      DeviceFlow: 'urn:ietf:params:oauth:grant-type:device_code',
      TokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
      Ciba: 'urn:openid:params:grant-type:ciba',
      JwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    });
  });
});

describe('GrantTypes', () => {
  // Models/GrantTypes.cs
  const expected: Record<keyof typeof GrantTypes, string[]> = {
    Implicit: ['implicit'],
    ImplicitAndClientCredentials: ['implicit', 'client_credentials'],
    Code: ['authorization_code'],
    CodeAndClientCredentials: ['authorization_code', 'client_credentials'],
    Hybrid: ['hybrid'],
    HybridAndClientCredentials: ['hybrid', 'client_credentials'],
    ClientCredentials: ['client_credentials'],
    ResourceOwnerPassword: ['password'],
    ResourceOwnerPasswordAndClientCredentials: ['password', 'client_credentials'],
    DeviceFlow: ['urn:ietf:params:oauth:grant-type:device_code'],
    Ciba: ['urn:openid:params:grant-type:ciba'],
  };

  it.each(Object.entries(expected))("GrantTypes.%s - equals IdentityServer's combination", (name, grants) => {
    expect(GrantTypes[name as keyof typeof GrantTypes]).toEqual(grants);
  });

  it("GrantTypes - has exactly IdentityServer's eleven combinations", () => {
    expect(Object.keys(GrantTypes).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('GrantTypes.%s - each read returns a fresh array', (name) => {
    const key = name as keyof typeof GrantTypes;
    const first = GrantTypes[key];
    const second = GrantTypes[key];
    expect(first).not.toBe(second);
    first.push('urn:example:custom');
    expect(GrantTypes[key]).toEqual(expected[key]);
  });

  it.each(Object.keys(expected))('GrantTypes.%s - passes validateGrantTypes', (name) => {
    expect(validateGrantTypes(GrantTypes[name as keyof typeof GrantTypes])).toEqual([]);
  });
});

describe('validateGrantTypes', () => {
  it('validateGrantTypes - an empty list and a single grant are fine', () => {
    expect(validateGrantTypes([])).toEqual([]);
    expect(validateGrantTypes(['client_credentials'])).toEqual([]);
    expect(validateGrantTypes(['urn:example:custom', 'client_credentials'])).toEqual([]);
  });

  it('validateGrantTypes - a grant type with a space is refused at its index', () => {
    expect(validateGrantTypes(['client_credentials', 'authorization code'])).toEqual([
      {
        path: ['allowedGrantTypes', 1],
        rule: 'grant-type-whitespace',
        message: "Grant types cannot contain spaces: 'authorization code'.",
      },
    ]);
  });

  it('validateGrantTypes - a duplicate is reported at the repeated entry', () => {
    expect(validateGrantTypes(['client_credentials', 'password', 'client_credentials'])).toEqual([
      {
        path: ['allowedGrantTypes', 2],
        rule: 'grant-type-duplicate',
        message: "Grant types list contains duplicate values: 'client_credentials'.",
      },
    ]);
  });

  it("validateGrantTypes - the forbidden pairs are IdentityServer's three", () => {
    expect(FORBIDDEN_GRANT_TYPE_PAIRS).toEqual([
      ['implicit', 'authorization_code'],
      ['implicit', 'hybrid'],
      ['authorization_code', 'hybrid'],
    ]);
  });

  it.each([
    [
      ['implicit', 'authorization_code'],
      'Grant types list cannot contain both implicit and authorization_code',
    ],
    [
      ['authorization_code', 'implicit'],
      'Grant types list cannot contain both implicit and authorization_code',
    ],
    [['implicit', 'hybrid'], 'Grant types list cannot contain both implicit and hybrid'],
    [['hybrid', 'authorization_code'], 'Grant types list cannot contain both authorization_code and hybrid'],
  ])("validateGrantTypes - %j is refused with IdentityServer's message", (grants, message) => {
    expect(validateGrantTypes(grants)).toEqual([
      { path: ['allowedGrantTypes'], rule: 'grant-type-combination', message },
    ]);
  });

  it('validateGrantTypes - all three grants give all three pairs', () => {
    const issues = validateGrantTypes(['implicit', 'authorization_code', 'hybrid']);
    expect(issues.map((i) => i.message)).toEqual([
      'Grant types list cannot contain both implicit and authorization_code',
      'Grant types list cannot contain both implicit and hybrid',
      'Grant types list cannot contain both authorization_code and hybrid',
    ]);
  });

  it('validateGrantTypes - the path argument prefixes every issue', () => {
    const issues = validateGrantTypes(
      ['implicit', 'implicit', 'hybrid'],
      ['clients', 3, 'allowedGrantTypes'],
    );
    expect(issues.map((i) => [i.rule, i.path])).toEqual([
      ['grant-type-duplicate', ['clients', 3, 'allowedGrantTypes', 1]],
      ['grant-type-combination', ['clients', 3, 'allowedGrantTypes']],
    ]);
  });
});
