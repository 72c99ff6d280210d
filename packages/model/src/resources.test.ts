import { describe, expect, it } from 'vitest';
import {
  apiResourceSchema,
  apiScopeSchema,
  type IdentityResource,
  IdentityResources,
  identityResourceSchema,
} from './resources.ts';

// Resource (Storage/Models/Resource.cs): Enabled true, ShowInDiscoveryDocument true, empty UserClaims and Properties.
const RESOURCE_DEFAULTS = { enabled: true, showInDiscoveryDocument: true, userClaims: [], properties: {} };

describe('resource defaults', () => {
  it("identityResourceSchema - Resource's defaults plus Required false and Emphasize false", () => {
    expect(identityResourceSchema.parse({ name: 'roles' })).toStrictEqual({
      ...RESOURCE_DEFAULTS,
      name: 'roles',
      required: false,
      emphasize: false,
    });
  });

  it("apiScopeSchema - Resource's defaults plus Required false and Emphasize false", () => {
    expect(apiScopeSchema.parse({ name: 'api1' })).toStrictEqual({
      ...RESOURCE_DEFAULTS,
      name: 'api1',
      required: false,
      emphasize: false,
    });
  });

  it("apiResourceSchema - Resource's defaults plus empty Scopes, ApiSecrets and algorithms, RequireResourceIndicator false", () => {
    expect(apiResourceSchema.parse({ name: 'orders' })).toStrictEqual({
      ...RESOURCE_DEFAULTS,
      name: 'orders',
      scopes: [],
      apiSecrets: [],
      requireResourceIndicator: false,
      allowedAccessTokenSigningAlgorithms: [],
    });
  });

  it('resource schemas - a name is required and unknown properties are refused', () => {
    for (const schema of [identityResourceSchema, apiScopeSchema, apiResourceSchema]) {
      expect(schema.safeParse({}).success).toBe(false);
      expect(schema.safeParse({ name: '' }).error?.issues[0]?.message).toBe('a resource needs a name');
      expect(schema.safeParse({ name: 'x', userClaim: ['sub'] }).success).toBe(false);
    }
  });

  it('apiResourceSchema - apiSecrets get the secret defaults', () => {
    expect(
      apiResourceSchema.parse({ name: 'orders', apiSecrets: [{ value: 'v' }] }).apiSecrets,
    ).toStrictEqual([{ value: 'v', type: 'SharedSecret' }]);
  });
});

describe('IdentityResources (the standard OpenID Connect identity resources)', () => {
  const standard: [string, () => IdentityResource, string[], { required: boolean; emphasize: boolean }][] = [
    ['openid', IdentityResources.OpenId, ['sub'], { required: true, emphasize: false }],
    [
      'profile',
      IdentityResources.Profile,
      [
        'name',
        'family_name',
        'given_name',
        'middle_name',
        'nickname',
        'preferred_username',
        'profile',
        'picture',
        'website',
        'gender',
        'birthdate',
        'zoneinfo',
        'locale',
        'updated_at',
      ],
      { required: false, emphasize: true },
    ],
    ['email', IdentityResources.Email, ['email', 'email_verified'], { required: false, emphasize: true }],
    [
      'phone',
      IdentityResources.Phone,
      ['phone_number', 'phone_number_verified'],
      { required: false, emphasize: true },
    ],
    ['address', IdentityResources.Address, ['address'], { required: false, emphasize: true }],
  ];

  it.each(standard)(
    'IdentityResources - %s has its standard claims and flags',
    (name, create, claims, flags) => {
      const resource = create();
      expect(resource.name).toBe(name);
      expect(resource.userClaims).toEqual(claims);
      expect(resource.required).toBe(flags.required);
      expect(resource.emphasize).toBe(flags.emphasize);
      expect(resource.enabled).toBe(true);
      expect(resource.showInDiscoveryDocument).toBe(true);
      expect(resource.properties).toEqual({});
    },
  );

  it.each(standard)(
    'IdentityResources - %s is a valid identity resource with every default present',
    (_n, create) => {
      const resource = create();
      expect(identityResourceSchema.parse(resource)).toStrictEqual(resource);
    },
  );

  it("IdentityResources - display names and the profile description are IdentityServer's", () => {
    expect(IdentityResources.OpenId().displayName).toBe('Your user identifier');
    expect(IdentityResources.Profile().displayName).toBe('User profile');
    expect(IdentityResources.Profile().description).toBe(
      'Your user profile information (first name, last name, etc.)',
    );
    expect(IdentityResources.Email().displayName).toBe('Your email address');
    expect(IdentityResources.Phone().displayName).toBe('Your phone number');
    expect(IdentityResources.Address().displayName).toBe('Your postal address');
  });

  it('IdentityResources - each call returns a new object with its own claim list', () => {
    const a = IdentityResources.Profile();
    const b = IdentityResources.Profile();
    expect(a).not.toBe(b);
    a.userClaims.push('role');
    expect(b.userClaims).not.toContain('role');
    expect(IdentityResources.Profile().userClaims).not.toContain('role');
  });
});
