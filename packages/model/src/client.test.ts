import { describe, expect, it } from 'vitest';
import { CLIENT_PROPERTIES, clientClaimSchema, clientSchema, secretSchema } from './client.ts';
import { AccessTokenType, DPoPValidationMode, ENUM_NUMBERS, TokenExpiration, TokenUsage } from './enums.ts';

/**
 * Every property of IdentityServer's `Client` (Storage/Models/Client.cs) with its default, as identityserver-model.md
 * lists them. `undefined` stands for C#'s null; collections start empty. ClientId has no default: it is required.
 */
const IDENTITYSERVER_CLIENT_DEFAULTS: [name: string, defaultValue: unknown][] = [
  ['Enabled', true],
  ['ClientId', 'required'],
  ['ProtocolType', 'oidc'],
  ['ClientSecrets', []],
  ['RequireClientSecret', true],
  ['ClientName', undefined],
  ['Description', undefined],
  ['ClientUri', undefined],
  ['LogoUri', undefined],
  ['RequireConsent', false],
  ['AllowRememberConsent', true],
  ['AllowedGrantTypes', []],
  ['RequirePkce', true],
  ['AllowPlainTextPkce', false],
  ['RequireRequestObject', false],
  ['AllowAccessTokensViaBrowser', false],
  ['RequireDPoP', false],
  ['DPoPValidationMode', 'Iat'],
  ['DPoPClockSkew', 300],
  ['RequirePushedAuthorization', false],
  ['PushedAuthorizationLifetime', undefined],
  ['RedirectUris', []],
  ['PostLogoutRedirectUris', []],
  ['FrontChannelLogoutUri', undefined],
  ['FrontChannelLogoutSessionRequired', true],
  ['BackChannelLogoutUri', undefined],
  ['BackChannelLogoutSessionRequired', true],
  ['AllowOfflineAccess', false],
  ['AllowedScopes', []],
  ['AlwaysIncludeUserClaimsInIdToken', false],
  ['IdentityTokenLifetime', 300],
  ['AllowedIdentityTokenSigningAlgorithms', []],
  ['AccessTokenLifetime', 3600],
  ['AuthorizationCodeLifetime', 300],
  ['AbsoluteRefreshTokenLifetime', 2_592_000],
  ['SlidingRefreshTokenLifetime', 1_296_000],
  ['ConsentLifetime', undefined],
  ['RefreshTokenUsage', 'ReUse'],
  ['UpdateAccessTokenClaimsOnRefresh', false],
  ['RefreshTokenExpiration', 'Absolute'],
  ['AccessTokenType', 'Jwt'],
  ['EnableLocalLogin', true],
  ['IdentityProviderRestrictions', []],
  ['IncludeJwtId', true],
  ['Claims', []],
  ['AlwaysSendClientClaims', false],
  ['ClientClaimsPrefix', 'client_'],
  ['PairWiseSubjectSalt', undefined],
  ['UserSsoLifetime', undefined],
  ['UserCodeType', undefined],
  ['DeviceCodeLifetime', 300],
  ['CibaLifetime', undefined],
  ['PollingInterval', undefined],
  ['CoordinateLifetimeWithUserSession', undefined],
  ['AllowedCorsOrigins', []],
  ['Properties', {}],
  ['InitiateLoginUri', undefined],
];

/** The property names the issue lists for the model, in IdentityServer's spelling. */
const ISSUE_PROPERTY_NAMES =
  `ClientId, ClientName, Description, ClientUri, LogoUri, Enabled, ProtocolType, ClientSecrets, RequireClientSecret,
  AllowedGrantTypes, RequirePkce, AllowPlainTextPkce, RequireRequestObject, AllowAccessTokensViaBrowser, RequireDPoP,
  RequirePushedAuthorization, RedirectUris, PostLogoutRedirectUris, FrontChannelLogoutUri,
  FrontChannelLogoutSessionRequired, BackChannelLogoutUri, BackChannelLogoutSessionRequired, AllowOfflineAccess,
  AllowedScopes, AlwaysIncludeUserClaimsInIdToken, IdentityTokenLifetime, AllowedIdentityTokenSigningAlgorithms,
  AccessTokenLifetime, AuthorizationCodeLifetime, AbsoluteRefreshTokenLifetime, SlidingRefreshTokenLifetime,
  ConsentLifetime, RefreshTokenUsage, UpdateAccessTokenClaimsOnRefresh, RefreshTokenExpiration, AccessTokenType,
  EnableLocalLogin, IdentityProviderRestrictions, IncludeJwtId, Claims, AlwaysSendClientClaims, ClientClaimsPrefix,
  PairWiseSubjectSalt, UserSsoLifetime, UserCodeType, DeviceCodeLifetime, CibaLifetime, PollingInterval,
  CoordinateLifetimeWithUserSession, AllowedCorsOrigins, Properties, InitiateLoginUri, RequireConsent,
  AllowRememberConsent, DPoPValidationMode, DPoPClockSkew, PushedAuthorizationLifetime`
    .split(',')
    .map((name) => name.trim());

const camel = (pascal: string) => pascal.charAt(0).toLowerCase() + pascal.slice(1);

describe('clientSchema defaults', () => {
  const client = clientSchema.parse({ clientId: 'c' });

  it.each(IDENTITYSERVER_CLIENT_DEFAULTS.filter(([name]) => name !== 'ClientId'))(
    "clientSchema - %s defaults to IdentityServer's %j",
    (name, expected) => {
      const property = camel(name);
      expect(CLIENT_PROPERTIES).toContain(property);
      expect(client[property as keyof typeof client]).toStrictEqual(expected);
    },
  );

  it('clientSchema - clientId is required and kept as given', () => {
    expect(client.clientId).toBe('c');
    expect(clientSchema.safeParse({}).success).toBe(false);
    expect(clientSchema.safeParse({ clientId: '' }).success).toBe(false);
  });

  it('clientSchema - the defaults table names exactly the schema properties', () => {
    expect(IDENTITYSERVER_CLIENT_DEFAULTS.map(([name]) => camel(name)).sort()).toEqual(
      [...CLIENT_PROPERTIES].sort(),
    );
  });

  it('clientSchema - every property named by the issue is in the schema (and nothing else)', () => {
    expect(ISSUE_PROPERTY_NAMES).toHaveLength(57);
    expect(new Set(ISSUE_PROPERTY_NAMES).size).toBe(57);
    expect(ISSUE_PROPERTY_NAMES.map(camel).sort()).toEqual([...CLIENT_PROPERTIES].sort());
  });

  it('clientSchema - collections default to a new array or object per client, never a shared one', () => {
    const a = clientSchema.parse({ clientId: 'a' });
    const b = clientSchema.parse({ clientId: 'b' });
    a.allowedScopes.push('api1');
    a.redirectUris.push('https://a.example/cb');
    a.properties['k'] = 'v';
    expect(b.allowedScopes).toEqual([]);
    expect(b.redirectUris).toEqual([]);
    expect(b.properties).toEqual({});
  });

  it('clientSchema - strict: an unknown property is refused', () => {
    const result = clientSchema.safeParse({ clientId: 'c', allowedScope: ['api1'] });
    expect(result.success).toBe(false);
  });

  it('clientSchema - lifetimes are whole seconds', () => {
    const result = clientSchema.safeParse({ clientId: 'c', accessTokenLifetime: 1.5 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must be a whole number of seconds');
  });
});

describe('secretSchema and clientClaimSchema defaults', () => {
  it("secretSchema - type defaults to 'SharedSecret'; description and expiration are unset", () => {
    expect(secretSchema.parse({ value: 'v' })).toStrictEqual({ value: 'v', type: 'SharedSecret' });
  });

  it('secretSchema - expiration is read from a Date or an ISO 8601 string', () => {
    const fromString = secretSchema.parse({ value: 'v', expiration: '2030-01-01T00:00:00Z' });
    expect(fromString.expiration).toEqual(new Date('2030-01-01T00:00:00Z'));
    const date = new Date('2031-02-03T04:05:06Z');
    expect(secretSchema.parse({ value: 'v', expiration: date }).expiration).toEqual(date);
    expect(secretSchema.parse({ value: 'v', expiration: '2030-01-01' }).expiration).toEqual(
      new Date('2030-01-01'),
    );
    expect(secretSchema.safeParse({ value: 'v', expiration: 'next tuesday' }).success).toBe(false);
  });

  it('secretSchema - the known secret types are accepted and others refused with the list', () => {
    for (const type of ['SharedSecret', 'X509Thumbprint', 'X509Name', 'X509CertificateBase64', 'JWK']) {
      expect(secretSchema.safeParse({ value: 'v', type }).success, type).toBe(true);
    }
    const result = secretSchema.safeParse({ value: 'v', type: 'Password' });
    expect(result.error?.issues[0]?.message).toBe(
      'must be one of SharedSecret, X509Thumbprint, X509Name, X509CertificateBase64, JWK',
    );
  });

  it('secretSchema - a secret needs a value', () => {
    expect(secretSchema.safeParse({ value: '' }).error?.issues[0]?.message).toBe('a secret needs a value');
  });

  it("clientClaimSchema - valueType defaults to ClaimValueTypes.String ('http://www.w3.org/2001/XMLSchema#string')", () => {
    expect(clientClaimSchema.parse({ type: 'role', value: 'admin' })).toStrictEqual({
      type: 'role',
      value: 'admin',
      valueType: 'http://www.w3.org/2001/XMLSchema#string',
    });
  });
});

describe('enums', () => {
  it("enums - the names are IdentityServer's", () => {
    expect(Object.values(TokenUsage)).toEqual(['ReUse', 'OneTimeOnly']);
    expect(Object.values(TokenExpiration)).toEqual(['Sliding', 'Absolute']);
    expect(Object.values(AccessTokenType)).toEqual(['Jwt', 'Reference']);
    expect(Object.values(DPoPValidationMode)).toEqual(['Iat', 'Nonce', 'IatAndNonce']);
  });

  it("ENUM_NUMBERS - index is IdentityServer's numeric value (ReUse=0, OneTimeOnly=1; Sliding=0, Absolute=1; Jwt=0, Reference=1)", () => {
    expect(ENUM_NUMBERS.refreshTokenUsage[0]).toBe('ReUse');
    expect(ENUM_NUMBERS.refreshTokenUsage[1]).toBe('OneTimeOnly');
    expect(ENUM_NUMBERS.refreshTokenExpiration[0]).toBe('Sliding');
    expect(ENUM_NUMBERS.refreshTokenExpiration[1]).toBe('Absolute');
    expect(ENUM_NUMBERS.accessTokenType[0]).toBe('Jwt');
    expect(ENUM_NUMBERS.accessTokenType[1]).toBe('Reference');
    expect(ENUM_NUMBERS.dPoPValidationMode[1]).toBe('Iat');
    expect(ENUM_NUMBERS.dPoPValidationMode[3]).toBe('IatAndNonce');
  });

  it('enums - the schema accepts exactly the enum names', () => {
    for (const [property, values] of [
      ['refreshTokenUsage', Object.values(TokenUsage)],
      ['refreshTokenExpiration', Object.values(TokenExpiration)],
      ['accessTokenType', Object.values(AccessTokenType)],
      ['dPoPValidationMode', Object.values(DPoPValidationMode)],
    ] as const) {
      for (const value of values) {
        expect(clientSchema.safeParse({ clientId: 'c', [property]: value }).success).toBe(true);
      }
      expect(clientSchema.safeParse({ clientId: 'c', [property]: 'Sometimes' }).success).toBe(false);
      // Numbers are for configuration loaders to translate (ENUM_NUMBERS); the model takes names only.
      expect(clientSchema.safeParse({ clientId: 'c', [property]: 1 }).success).toBe(false);
    }
  });
});
