import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdentityResources, IdsrvError, sha256 } from '@idsrv/model';
import { describe, expect, it } from 'vitest';
import { configError, fixture, lineOf, SERVICE_CLIENT, tempConfig } from '../test/helpers.ts';
import { ConfigNotFoundError } from './errors.ts';
import { loadConfiguration } from './load.ts';

describe('loadConfiguration', () => {
  it("local-dev - the reference's appsettings.json example loads as written", async () => {
    const config = await loadConfiguration({ file: fixture('local-dev'), env: {} });

    expect(config.issuerUri).toBeUndefined();
    expect(config.clients).toHaveLength(1);
    const [client] = config.clients;
    expect(client).toMatchObject({
      enabled: true,
      clientId: 'local-dev',
      clientName: 'Local Development',
      clientSecrets: [{ value: sha256('secret'), type: 'SharedSecret' }],
      allowedGrantTypes: ['client_credentials'],
      allowedScopes: ['api1'],
      // IdentityServer's defaults for everything the example leaves out.
      accessTokenLifetime: 3600,
      accessTokenType: 'Jwt',
      refreshTokenUsage: 'ReUse',
      requireClientSecret: true,
    });
    expect(config.identityResources).toEqual([]);
    expect(config.apiScopes).toEqual([]);
    expect(config.warnings).toEqual([]);
    expect(config.files).toEqual([fixture('local-dev')]);
  });

  it("local-dev - the example's placeholder instead of a hash is refused, saying how to hash", async () => {
    const file = fixture('local-dev-placeholder');
    const error = await configError(loadConfiguration({ file, env: {} }));

    expect(error.problems).toEqual([
      expect.objectContaining({
        file,
        line: lineOf(file, '<Insert Sha256 hash'),
        path: 'IdentityServer.Clients[0].ClientSecrets[0].Value',
        rule: 'secret-not-hashed',
      }),
    ]);
    expect(error.problems[0]!.message).toContain('idsrv hash-secret <secret>');
  });

  it('a missing file is ERR_CONFIG_NOT_FOUND naming the path', async () => {
    const dir = tempConfig({});
    const error = await loadConfiguration({ file: join(dir, 'appsettings.json'), env: {} }).catch((e) => e);

    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect(error).toBeInstanceOf(IdsrvError);
    expect(error.code).toBe('ERR_CONFIG_NOT_FOUND');
    expect(error.file).toBe(join(dir, 'appsettings.json'));
  });

  it('unparsable JSON names the file, line and column of every syntax error', async () => {
    const file = fixture('syntax-error');
    const error = await configError(loadConfiguration({ file, env: {} }));

    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.problems.length).toBeGreaterThanOrEqual(1);
    expect(error.problems[0]).toMatchObject({
      file,
      line: lineOf(file, '"ClientName": "missing comma before me"'),
      column: 9,
      rule: 'json-syntax',
    });
    expect(error.problems[0]!.message).toMatch(/comma expected/i);
    expect(error.message).toContain('syntax-error/appsettings.json:');
  });

  it('comments and trailing commas are accepted', async () => {
    const dir = tempConfig({
      'appsettings.json': `{
        /* block */ "IdentityServer": { // line
          "Clients": [ { "ClientId": "c", "ClientSecrets": [ { "Value": "${sha256('s')}", }, ],
            "AllowedGrantTypes": [ "client_credentials", ], }, ],
        },
      }`,
    });
    const config = await loadConfiguration({ file: join(dir, 'appsettings.json'), env: {} });
    expect(config.clients.map((c) => c.clientId)).toEqual(['c']);
  });

  it('a file with no IdentityServer section loads with nothing in it, and no resource is invented', async () => {
    const dir = tempConfig({ 'appsettings.json': { Logging: { LogLevel: { Default: 'Warning' } } } });
    const config = await loadConfiguration({ file: join(dir, 'appsettings.json'), env: {} });
    expect(config).toMatchObject({ clients: [], identityResources: [], apiScopes: [], apiResources: [] });
    expect(config.warnings).toEqual([]);
  });

  it('defaultIdentityResources apply only when the configuration defines none, and count for AllowedScopes', async () => {
    const client = {
      ...SERVICE_CLIENT,
      AllowedGrantTypes: ['authorization_code'],
      AllowedScopes: ['openid'],
    };
    const dir = tempConfig({
      'appsettings.json': {
        IdentityServer: {
          ApiScopes: [{ Name: 'api1' }],
          Clients: [{ ...client, RedirectUris: ['https://app.example.com/cb'] }],
        },
      },
      'appsettings.Own.json': {
        IdentityServer: { IdentityResources: [{ Name: 'openid', UserClaims: ['sub'] }] },
      },
    });
    const file = join(dir, 'appsettings.json');
    const defaults = [IdentityResources.OpenId(), IdentityResources.Profile()];

    const withDefaults = await loadConfiguration({ file, env: {}, defaultIdentityResources: defaults });
    expect(withDefaults.identityResources.map((r) => r.name)).toEqual(['openid', 'profile']);

    const own = await loadConfiguration({
      file,
      environment: 'Own',
      env: {},
      defaultIdentityResources: defaults,
    });
    expect(own.identityResources.map((r) => r.name)).toEqual(['openid']);

    const without = await configError(loadConfiguration({ file, env: {} }));
    expect(without.problems.map((p) => [p.path, p.rule])).toEqual([
      ['IdentityServer.Clients[0].AllowedScopes[0]', 'allowed-scope-unknown'],
    ]);
  });

  it('IssuerUri: empty means unset, an absolute URL is kept, anything else is a problem', async () => {
    const load = (issuer: string) => {
      const dir = tempConfig({ 'appsettings.json': { IdentityServer: { IssuerUri: issuer } } });
      return loadConfiguration({ file: join(dir, 'appsettings.json'), env: {} });
    };
    expect((await load('')).issuerUri).toBeUndefined();
    expect((await load('https://id.example.com')).issuerUri).toBe('https://id.example.com');
    const error = await configError(load('id.example.com'));
    expect(error.problems).toMatchObject([
      { path: 'IdentityServer.IssuerUri', rule: 'issuer-uri-invalid', line: 3 },
    ]);
  });

  it('a 10,000-client file loads and validates', async () => {
    const clients = Array.from({ length: 10_000 }, (_, i) => ({
      ...SERVICE_CLIENT,
      ClientId: `client-${i}`,
    }));
    const dir = tempConfig({
      'appsettings.json': { IdentityServer: { ApiScopes: [{ Name: 'api1' }], Clients: clients } },
    });
    const file = join(dir, 'appsettings.json');

    const config = await loadConfiguration({ file, env: {} });
    expect(config.clients).toHaveLength(10_000);
    expect(config.clients[9_999]!.clientId).toBe('client-9999');

    // One duplicate among the 10,000 is found and placed.
    clients[7_000] = { ...clients[7_000]!, ClientId: 'client-12' };
    writeFileSync(
      file,
      JSON.stringify({ IdentityServer: { ApiScopes: [{ Name: 'api1' }], Clients: clients } }, null, 2),
    );
    const error = await configError(loadConfiguration({ file, env: {} }));
    expect(error.problems).toMatchObject([
      { path: 'IdentityServer.Clients[7000].ClientId', rule: 'duplicate-name' },
    ]);
  });
});
