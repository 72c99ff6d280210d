import { IdsrvError } from '@idsrv/model';
import { describe, expect, it } from 'vitest';
import { configError, fixture, lineOf } from '../test/helpers.ts';
import type { ConfigError } from './errors.ts';
import { loadConfiguration } from './load.ts';
import { formatProblem } from './problems.ts';

describe('ConfigError', () => {
  it('a file with five different mistakes yields five path-precise errors, and the typo as a warning', async () => {
    const file = fixture('five-mistakes');
    const error = await configError(loadConfiguration({ file, env: {} }));

    expect(error).toBeInstanceOf(IdsrvError);
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.problems.map(({ file, line, path, rule }) => ({ file, line, path, rule }))).toEqual([
      {
        file,
        line: lineOf(file, '"orders.read"'),
        path: 'IdentityServer.ApiResources[0].Scopes[1]',
        rule: 'api-resource-scope-unknown',
      },
      {
        file,
        line: lineOf(file, '"Referense"'),
        path: 'IdentityServer.Clients[0].AccessTokenType',
        rule: 'type',
      },
      {
        file,
        line: lineOf(file, '"Value": "secret"'),
        path: 'IdentityServer.Clients[1].ClientSecrets[0].Value',
        rule: 'secret-not-hashed',
      },
      {
        file,
        line: lineOf(file, '"RedirectUris": []'),
        path: 'IdentityServer.Clients[1].RedirectUris',
        rule: 'redirect-uri-required',
      },
      {
        file,
        line: lineOf(file, '"AccessTokenLifetime": 0'),
        path: 'IdentityServer.Clients[2].AccessTokenLifetime',
        rule: 'lifetime-not-positive',
      },
    ]);
    expect(error.warnings).toEqual([
      expect.objectContaining({
        line: lineOf(file, '"AllowedScope":'),
        path: 'IdentityServer.Clients[1].AllowedScope',
        rule: 'unknown-property',
        suggestion: 'AllowedScopes',
      }),
    ]);
  });

  it('the message lists every problem as file:line:column, JSON path, message and rule, then the warnings', async () => {
    const file = fixture('five-mistakes');
    const error = await configError(loadConfiguration({ file, env: {} }));
    const lines = error.message.split('\n');

    expect(lines[0]).toBe('Invalid configuration: 5 problems');
    expect(lines[1]).toMatch(
      /^ {2}\S*five-mistakes\/appsettings\.json:\d+:\d+ IdentityServer\.ApiResources\[0\]\.Scopes\[1\]: .+ \[api-resource-scope-unknown\]$/,
    );
    expect(lines[6]).toBe('Warnings (1):');
    expect(lines[7]).toContain(
      "IdentityServer.Clients[1].AllowedScope: unknown key 'AllowedScope' is ignored",
    );
    expect(error.message).not.toContain('"secret"');
  });

  it('formatProblem prints a value from an environment variable as "env NAME"', () => {
    expect(
      formatProblem({
        envVar: 'IdentityServer__Clients__0__AccessTokenLifetime',
        path: 'IdentityServer.Clients[0].AccessTokenLifetime',
        rule: 'lifetime-not-positive',
        message: 'access token lifetime is 0 or negative',
      }),
    ).toBe(
      'env IdentityServer__Clients__0__AccessTokenLifetime IdentityServer.Clients[0].AccessTokenLifetime: access token lifetime is 0 or negative [lifetime-not-positive]',
    );
  });

  it('a missing required property points at the object that lacks it', async () => {
    const file = fixture('five-mistakes');
    const error = await configError(
      loadConfiguration({ file, env: { IdentityServer__ApiScopes__1__DisplayName: 'no name' } }),
    );
    expect(error.problems).toContainEqual(
      expect.objectContaining({
        envVar: 'IdentityServer__ApiScopes__1__DisplayName',
        path: 'IdentityServer.ApiScopes[1].Name',
        rule: 'required',
      }),
    );
  });

  it('narrows by code in a switch', async () => {
    const error: unknown = await loadConfiguration({ file: fixture('five-mistakes'), env: {} }).catch(
      (e) => e,
    );
    let count = -1;
    if (error instanceof IdsrvError) {
      switch (error.code) {
        case 'ERR_CONFIG_INVALID':
          count = (error as ConfigError).problems.length;
          break;
      }
    }
    expect(count).toBe(5);
  });
});
