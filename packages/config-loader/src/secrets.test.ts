import { sha256 } from '@idsrv/model';
import { describe, expect, it } from 'vitest';
import { configError, fixture, lineOf } from '../test/helpers.ts';
import { loadConfiguration } from './load.ts';

describe('plain-text secrets', () => {
  it('a secret marked "Plain": true is hashed with SHA-256 at load, with a warning', async () => {
    const file = fixture('plain-secrets');
    const config = await loadConfiguration({ file, env: {} });

    expect(config.clients[0]!.clientSecrets).toEqual([{ value: sha256('dev-secret'), type: 'SharedSecret' }]);
    expect(config.apiResources[0]!.apiSecrets).toEqual([
      { value: sha256('api-secret'), type: 'SharedSecret' },
    ]);
    expect(config.warnings.map((w) => [w.path, w.rule, w.line])).toEqual([
      ['IdentityServer.ApiResources[0].ApiSecrets[0].Value', 'secret-plain', lineOf(file, '"api-secret"')],
      ['IdentityServer.Clients[0].ClientSecrets[0].Value', 'secret-plain', lineOf(file, '"dev-secret"')],
    ]);
    expect(config.warnings[0]!.message).toContain('idsrv hash-secret');
  });

  it('the marker is case-insensitive and binds from an environment variable string', async () => {
    const config = await loadConfiguration({
      file: fixture('plain-secrets'),
      env: {
        IdentityServer__Clients__0__ClientSecrets__0__Value: 'other',
        IdentityServer__Clients__0__ClientSecrets__0__plain: 'TRUE',
      },
    });
    expect(config.clients[0]!.clientSecrets[0]!.value).toBe(sha256('other'));
  });

  it('an unmarked plain-text secret is refused, saying how to hash it, without repeating it', async () => {
    const error = await configError(
      loadConfiguration({
        file: fixture('plain-secrets'),
        env: {
          IdentityServer__Clients__0__ClientSecrets__0__Plain: 'false',
          IdentityServer__ApiResources__0__ApiSecrets__0__Plain: '',
        },
      }),
    );
    expect(error.problems.map((p) => [p.path, p.rule])).toEqual([
      ['IdentityServer.ApiResources[0].ApiSecrets[0].Value', 'secret-not-hashed'],
      ['IdentityServer.Clients[0].ClientSecrets[0].Value', 'secret-not-hashed'],
    ]);
    for (const problem of error.problems) {
      expect(problem.message).toContain('`idsrv hash-secret <secret>`');
      expect(problem.message).toContain('"Plain": true');
      expect(problem.message).not.toContain('dev-secret');
    }
  });

  it('"Plain" on a secret that is not a SharedSecret is a problem', async () => {
    const error = await configError(
      loadConfiguration({
        file: fixture('plain-secrets'),
        env: { IdentityServer__Clients__0__ClientSecrets__0__Type: 'X509Thumbprint' },
      }),
    );
    // (An X.509 secret is refused anyway — no mTLS — which is reported too.)
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'IdentityServer.Clients[0].ClientSecrets[0].Plain',
          rule: 'secret-plain-type',
        }),
      ]),
    );
  });
});
