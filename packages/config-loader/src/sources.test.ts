import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configError, fixture, lineOf, SERVICE_CLIENT, tempConfig } from '../test/helpers.ts';
import { type LoadedConfiguration, loadConfiguration } from './load.ts';

const base = () => loadConfiguration({ file: fixture('overlay'), env: {} });

/** The configuration as plain data, to compare two loads. */
const plain = (config: LoadedConfiguration) => structuredClone({ ...config, warnings: [], files: [] });

describe('sources and their order', () => {
  it('appsettings.{Environment}.json changes exactly what it names (objects by key, arrays by index)', async () => {
    const expected = plain(await base());
    expected.clients[0]!.accessTokenLifetime = 300;
    // Arrays merge by index, as in ASP.NET Core: the overlay's one redirect URI replaces the first, not the list.
    expected.clients[1]!.redirectUris[0] = 'http://localhost:5002/signin-oidc';

    const overlaid = await loadConfiguration({
      file: fixture('overlay'),
      environment: 'Development',
      env: {},
    });

    expect(plain(overlaid)).toEqual(expected);
    expect(overlaid.files).toEqual([fixture('overlay'), fixture('overlay', 'appsettings.Development.json')]);
  });

  it('a missing appsettings.{Environment}.json is not an error', async () => {
    const config = await loadConfiguration({ file: fixture('overlay'), environment: 'Staging', env: {} });
    expect(plain(config)).toEqual(plain(await base()));
    expect(config.files).toEqual([fixture('overlay')]);
  });

  it('environment variables change exactly what they name, with __ between levels', async () => {
    const expected = plain(await base());
    expected.issuerUri = 'https://login.example.com';
    expected.clients[0]!.enabled = false;
    expected.clients[0]!.allowedScopes[1] = 'api2';
    expected.clients[1]!.accessTokenType = 'Reference';

    const config = await loadConfiguration({
      file: fixture('overlay'),
      env: {
        IdentityServer__IssuerUri: 'https://login.example.com',
        IdentityServer__Clients__0__Enabled: 'false',
        IdentityServer__Clients__0__AllowedScopes__1: 'api2',
        IdentityServer__Clients__1__AccessTokenType: '1',
        // Not a configuration section: ignored without a word.
        PATH: '/usr/bin',
        Logging__LogLevel__Default: 'Debug',
      },
    });

    expect(plain(config)).toEqual(expected);
    expect(config.warnings).toEqual([]);
  });

  it('environment variables win over the overlay, which wins over appsettings.json', async () => {
    const config = await loadConfiguration({
      file: fixture('overlay'),
      environment: 'Development',
      env: { IdentityServer__Clients__0__AccessTokenLifetime: '120' },
    });
    expect(config.clients[0]!.accessTokenLifetime).toBe(120);
    expect(config.clients[1]!.redirectUris[0]).toBe('http://localhost:5002/signin-oidc');
  });

  it('environment variable names are case-insensitive and may use : between levels', async () => {
    const config = await loadConfiguration({
      file: fixture('overlay'),
      env: {
        IDENTITYSERVER__CLIENTS__0__ACCESSTOKENLIFETIME: '60',
        'identityserver:clients:1:enabled': 'FALSE',
      },
    });
    expect(config.clients[0]!.accessTokenLifetime).toBe(60);
    expect(config.clients[1]!.enabled).toBe(false);
  });

  it('with envPrefix only prefixed variables are read, without the prefix', async () => {
    const config = await loadConfiguration({
      file: fixture('overlay'),
      envPrefix: 'IDSRV_',
      env: {
        IDSRV_IdentityServer__Clients__0__AccessTokenLifetime: '90',
        IdentityServer__Clients__0__Enabled: 'false',
      },
    });
    expect(config.clients[0]!.accessTokenLifetime).toBe(90);
    expect(config.clients[0]!.enabled).toBe(true);
  });

  it('environment variables can add a whole client, and a problem in it names the variable', async () => {
    const env = {
      IdentityServer__Clients__2__ClientId: 'from-env',
      IdentityServer__Clients__2__ClientSecrets__0__Value: SERVICE_CLIENT.ClientSecrets[0]!.Value,
      IdentityServer__Clients__2__AllowedGrantTypes__0: 'client_credentials',
      IdentityServer__Clients__2__AllowedScopes__0: 'api1',
    };
    const config = await loadConfiguration({ file: fixture('overlay'), env });
    expect(config.clients.map((c) => c.clientId)).toEqual(['service', 'web', 'from-env']);

    const error = await configError(
      loadConfiguration({
        file: fixture('overlay'),
        env: { ...env, IdentityServer__Clients__2__AccessTokenLifetime: '-5' },
      }),
    );
    expect(error.problems).toEqual([
      expect.objectContaining({
        envVar: 'IdentityServer__Clients__2__AccessTokenLifetime',
        path: 'IdentityServer.Clients[2].AccessTokenLifetime',
        rule: 'lifetime-not-positive',
      }),
    ]);
    expect(error.problems[0]!.file).toBeUndefined();
    expect(error.message).toContain(
      'env IdentityServer__Clients__2__AccessTokenLifetime IdentityServer.Clients[2]',
    );
  });

  it('a problem in a value the overlay set points at the overlay file', async () => {
    const dir = tempConfig({
      'appsettings.json': { IdentityServer: { Clients: [SERVICE_CLIENT] } },
      'appsettings.Development.json':
        '{\n  "IdentityServer": { "Clients": [\n    { "AccessTokenLifetime": 0 } ] } }',
    });
    const error = await configError(
      loadConfiguration({ file: join(dir, 'appsettings.json'), environment: 'Development', env: {} }),
    );
    const overlay = join(dir, 'appsettings.Development.json');
    expect(error.problems).toEqual([
      expect.objectContaining({
        file: overlay,
        line: lineOf(overlay, 'AccessTokenLifetime'),
        path: 'IdentityServer.Clients[0].AccessTokenLifetime',
      }),
    ]);
  });

  it('a gap in environment variable indexes is closed, as ASP.NET Core does, with a warning', async () => {
    const config = await loadConfiguration({
      file: fixture('overlay'),
      env: { IdentityServer__Clients__0__AllowedScopes__5: 'api2' },
    });
    expect(config.clients[0]!.allowedScopes).toEqual(['api1', 'api2']);
    expect(config.warnings).toEqual([
      expect.objectContaining({
        envVar: 'IdentityServer__Clients__0__AllowedScopes__5',
        path: 'IdentityServer.Clients[0].AllowedScopes[1]',
        rule: 'array-index-gap',
      }),
    ]);
  });

  it('null in an overlay means "not set": the default applies and nothing else is removed', async () => {
    const dir = tempConfig({
      'appsettings.json': { IdentityServer: { Clients: [{ ...SERVICE_CLIENT, AccessTokenLifetime: 60 }] } },
      'appsettings.Development.json': {
        IdentityServer: { Clients: [{ AccessTokenLifetime: null, AllowedScopes: null }] },
      },
    });
    const config = await loadConfiguration({
      file: join(dir, 'appsettings.json'),
      environment: 'Development',
      env: {},
    });
    expect(config.clients[0]!.accessTokenLifetime).toBe(3600);
    expect(config.clients[0]!.allowedScopes).toEqual(['api1']);
  });

  it('a near miss of a section name, in the file or the environment, is a warning', async () => {
    const dir = tempConfig({ 'appsettings.json': { IdentityServr: { Clients: [] } } });
    const config = await loadConfiguration({
      file: join(dir, 'appsettings.json'),
      env: { IdentitySever__IssuerUri: 'https://id.example.com' },
    });
    expect(config.warnings.map((w) => [w.path, w.rule, w.suggestion, w.envVar])).toEqual([
      ['IdentityServr', 'unknown-section', 'IdentityServer', undefined],
      ['IdentitySever', 'unknown-section', 'IdentityServer', 'IdentitySever__IssuerUri'],
    ]);
  });
});
