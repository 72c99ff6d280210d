import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configError, fixture, lineOf, SERVICE_CLIENT, tempConfig } from '../test/helpers.ts';
import { loadConfiguration } from './load.ts';

/** Loads one client written as `client` (merged over a valid service client). */
async function loadClient(client: Record<string, unknown>, env: Record<string, string> = {}) {
  const dir = tempConfig({
    'appsettings.json': { IdentityServer: { Clients: [{ ...SERVICE_CLIENT, ...client }] } },
  });
  const file = join(dir, 'appsettings.json');
  const config = await loadConfiguration({ file, env });
  return { client: config.clients[0]!, warnings: config.warnings, file };
}

describe('binding (ASP.NET Core rules)', () => {
  it('camelCase keys bind exactly like the PascalCase ones', async () => {
    const pascal = await loadConfiguration({ file: fixture('overlay'), env: {} });
    const camel = await loadConfiguration({ file: fixture('camel-case'), env: {} });
    expect({ ...camel, files: [] }).toEqual({ ...pascal, files: [] });
  });

  it('keys are matched case-insensitively, DPoP spelled either way', async () => {
    const { client, warnings } = await loadClient({
      ACCESSTOKENLIFETIME: 10,
      dpopvalidationmode: 'Nonce',
      RequireDPoP: true,
      DPoPClockSkew: 30,
    });
    expect(client).toMatchObject({
      accessTokenLifetime: 10,
      dPoPValidationMode: 'Nonce',
      requireDPoP: true,
      dPoPClockSkew: 30,
    });
    expect(warnings).toEqual([]);
  });

  it('enums bind from their names case-insensitively and from IdentityServer numbers', async () => {
    const names = await loadClient({
      AccessTokenType: 'reference',
      RefreshTokenUsage: 'ONETIMEONLY',
      RefreshTokenExpiration: 'sliding',
    });
    expect(names.client).toMatchObject({
      accessTokenType: 'Reference',
      refreshTokenUsage: 'OneTimeOnly',
      refreshTokenExpiration: 'Sliding',
    });
    const numbers = await loadClient({
      AccessTokenType: 1,
      RefreshTokenUsage: 1,
      RefreshTokenExpiration: '0',
    });
    expect(numbers.client).toMatchObject({
      accessTokenType: 'Reference',
      refreshTokenUsage: 'OneTimeOnly',
      refreshTokenExpiration: 'Sliding',
    });
    const dpop = await loadClient({ DPoPValidationMode: 2 });
    expect(dpop.client.dPoPValidationMode).toBe('Nonce');
  });

  it('a wrong enum value names the choices and the nearest one', async () => {
    const error = await configError(loadClient({ RefreshTokenUsage: 'OneTimeOnce', AccessTokenType: 7 }));
    expect(error.problems.map((p) => [p.path, p.message])).toEqual([
      [
        'IdentityServer.Clients[0].RefreshTokenUsage',
        "'OneTimeOnce' is not one of ReUse, OneTimeOnly (or 0, 1); did you mean 'OneTimeOnly'?",
      ],
      ['IdentityServer.Clients[0].AccessTokenType', "'7' is not one of Jwt, Reference (or 0, 1)"],
    ]);
  });

  it('strings bind to numbers and booleans (environment variables are always strings)', async () => {
    const { client } = await loadClient(
      {},
      {
        IdentityServer__Clients__0__AccessTokenLifetime: '600',
        IdentityServer__Clients__0__AllowOfflineAccess: 'True',
        IdentityServer__Clients__0__AllowedGrantTypes__0: 'password',
        IdentityServer__Clients__0__RequirePkce: 'false',
      },
    );
    expect(client).toMatchObject({ accessTokenLifetime: 600, allowOfflineAccess: true, requirePkce: false });
  });

  it('a string that is not a number is reported where the number belongs', async () => {
    const error = await configError(loadClient({ AccessTokenLifetime: 'an hour', Enabled: 'yes' }));
    expect(error.problems.map((p) => [p.path, p.rule])).toEqual([
      ['IdentityServer.Clients[0].AccessTokenLifetime', 'type'],
      ['IdentityServer.Clients[0].Enabled', 'type'],
    ]);
  });

  it('DPoPClockSkew also binds from a TimeSpan, as IdentityServer writes it', async () => {
    expect((await loadClient({ DPoPClockSkew: '00:05:00' })).client.dPoPClockSkew).toBe(300);
    expect((await loadClient({ DPoPClockSkew: '0.00:01:30' })).client.dPoPClockSkew).toBe(90);
  });

  it('null and empty values mean "not set": the default applies', async () => {
    const { client } = await loadClient(
      { ClientName: null, AccessTokenLifetime: null, RedirectUris: null, Properties: {} },
      { IdentityServer__Clients__0__AllowOfflineAccess: '' },
    );
    expect(client).toMatchObject({
      accessTokenLifetime: 3600,
      redirectUris: [],
      allowOfflineAccess: false,
      properties: {},
    });
    expect(client.clientName).toBeUndefined();
  });

  it('Properties keep their keys as written', async () => {
    const { client } = await loadClient({ Properties: { TenantId: 'contoso', 'x-Mixed': 'Yes' } });
    expect(client.properties).toEqual({ TenantId: 'contoso', 'x-Mixed': 'Yes' });
  });

  it('Claims and secrets bind their nested objects', async () => {
    const { client } = await loadClient({
      Claims: [{ Type: 'tenant', Value: 'contoso' }],
      ClientSecrets: [
        {
          Value: SERVICE_CLIENT.ClientSecrets[0]!.Value,
          Description: 'main',
          Expiration: '2099-01-01T00:00:00Z',
        },
      ],
    });
    expect(client.claims).toEqual([
      { type: 'tenant', value: 'contoso', valueType: 'http://www.w3.org/2001/XMLSchema#string' },
    ]);
    expect(client.clientSecrets[0]).toMatchObject({
      description: 'main',
      expiration: new Date('2099-01-01T00:00:00Z'),
    });
  });

  it('a scalar where a list belongs is a type problem, not a silent drop', async () => {
    const error = await configError(loadClient({ AllowedScopes: 'api1' }));
    expect(error.problems).toMatchObject([{ path: 'IdentityServer.Clients[0].AllowedScopes', rule: 'type' }]);
  });
});

describe('unknown keys', () => {
  it('are warnings naming the key and the nearest known one, and the rest loads', async () => {
    const { client, warnings, file } = await loadClient({ AllowedScope: ['api2'], Colour: 'blue' });
    expect(client.allowedScopes).toEqual(['api1']);
    expect(warnings).toEqual([
      expect.objectContaining({
        path: 'IdentityServer.Clients[0].AllowedScope',
        rule: 'unknown-property',
        suggestion: 'AllowedScopes',
        message: "unknown key 'AllowedScope' is ignored; did you mean 'AllowedScopes'?",
        line: lineOf(file, '"AllowedScope":'),
      }),
      expect.objectContaining({
        path: 'IdentityServer.Clients[0].Colour',
        rule: 'unknown-property',
        message: "unknown key 'Colour' is ignored",
      }),
    ]);
  });

  it('suggest in camelCase in a camelCase file', async () => {
    const { warnings } = await loadClient({ allowedScope: ['api2'] });
    expect(warnings[0]).toMatchObject({ suggestion: 'allowedScopes' });
  });

  it('are reported at any depth, and from environment variables', async () => {
    const { warnings } = await loadClient(
      { ClientSecrets: [{ Value: SERVICE_CLIENT.ClientSecrets[0]!.Value, Expiraton: '2030-01-01' }] },
      { IdentityServer__Clients__0__AccessTokenLifeTme: '5', IdentityServer__IssuerUrl: 'https://x' },
    );
    expect(warnings.map((w) => [w.path, w.suggestion, w.envVar])).toEqual([
      ['IdentityServer.Clients[0].ClientSecrets[0].Expiraton', 'Expiration', undefined],
      [
        'IdentityServer.Clients[0].AccessTokenLifeTme',
        'AccessTokenLifetime',
        'IdentityServer__Clients__0__AccessTokenLifeTme',
      ],
      ['IdentityServer.IssuerUrl', 'IssuerUri', 'IdentityServer__IssuerUrl'],
    ]);
  });

  it('a key given twice in one object (case-insensitively) is an error, as in ASP.NET Core', async () => {
    const dir = tempConfig({
      'appsettings.json': '{ "IdentityServer": {\n "Clients": [ { "ClientId": "a",\n "clientId": "b" } ] } }',
    });
    const error = await configError(loadConfiguration({ file: join(dir, 'appsettings.json'), env: {} }));
    expect(error.problems).toContainEqual(
      expect.objectContaining({ path: 'IdentityServer.Clients[0].ClientId', rule: 'duplicate-key', line: 3 }),
    );
  });

  it('an exact duplicate is found too, past comments, escapes and brackets inside strings', async () => {
    const dir = tempConfig({
      'appsettings.json': `{
  // "ClientId": "in a comment" does not count, /* nor "ClientId" here */
  "IdentityServer": { "Clients": [
    { "ClientId": "a", "ClientName": "has \\"quotes\\", { and [ brackets", "AllowedGrantTypes": [ "client_credentials" ], },
    { "ClientId": "b", "AllowedScopes": [ "x" ], "Allowed\\u0053copes": [ "y" ] }
  ] }
}`,
    });
    const file = join(dir, 'appsettings.json');
    const error = await configError(loadConfiguration({ file, env: {} }));
    expect(error.problems.filter((p) => p.rule === 'duplicate-key')).toEqual([
      expect.objectContaining({ path: 'IdentityServer.Clients[1].AllowedScopes', line: 5 }),
    ]);
  });
});

describe('hostile keys', () => {
  it('__proto__ and constructor keys are unknown keys, and pollute nothing', async () => {
    const dir = tempConfig({
      'appsettings.json': `{ "IdentityServer": { "Clients": [ { "ClientId": "c", "AllowedGrantTypes": [ "implicit" ],
        "RedirectUris": [ "https://app.example.com/cb" ], "__proto__": { "polluted": true } } ] } }`,
    });
    const config = await loadConfiguration({
      file: join(dir, 'appsettings.json'),
      env: { IdentityServer__Clients__0__constructor__prototype__polluted: 'yes' },
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(config.warnings.map((w) => [w.path, w.rule])).toEqual([
      ['IdentityServer.Clients[0].__proto__', 'unknown-property'],
      ['IdentityServer.Clients[0].Constructor', 'unknown-property'],
    ]);
  });
});
