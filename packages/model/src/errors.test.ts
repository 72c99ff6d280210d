import { describe, expect, it } from 'vitest';
import { CLIENT_PROPERTIES } from './client.ts';
import { AlreadyConsumedError, formatPath, IdsrvError, ModelValidationError } from './errors.ts';
import { closestName } from './names.ts';

describe('formatPath', () => {
  it("formatPath - camel keeps the model's names: clients[1].redirectUris[0]", () => {
    expect(formatPath(['clients', 1, 'redirectUris', 0])).toBe('clients[1].redirectUris[0]');
    expect(formatPath(['clients', 1, 'redirectUris'], 'camel')).toBe('clients[1].redirectUris');
  });

  it("formatPath - pascal uses IdentityServer's names: Clients[1].RedirectUris", () => {
    expect(formatPath(['clients', 1, 'redirectUris'], 'pascal')).toBe('Clients[1].RedirectUris');
    expect(formatPath(['clients', 0, 'clientSecrets', 2, 'value'], 'pascal')).toBe(
      'Clients[0].ClientSecrets[2].Value',
    );
  });

  it('formatPath - pascal spells DPoP as IdentityServer does', () => {
    expect(formatPath(['requireDPoP'], 'pascal')).toBe('RequireDPoP');
    expect(formatPath(['dPoPValidationMode'], 'pascal')).toBe('DPoPValidationMode');
    expect(formatPath(['dPoPClockSkew'], 'pascal')).toBe('DPoPClockSkew');
  });

  it("formatPath - every client property's pascal form is IdentityServer's property name", () => {
    // Upper-casing the first letter is right for all but the DPoP ones, which are covered above.
    for (const property of CLIENT_PROPERTIES) {
      expect(formatPath([property], 'pascal')).toMatch(/^[A-Z][A-Za-z]+$/);
    }
    expect(formatPath(['pairWiseSubjectSalt'], 'pascal')).toBe('PairWiseSubjectSalt');
  });

  it('formatPath - a leading index and the empty path', () => {
    expect(formatPath([2, 'clientId'])).toBe('[2].clientId');
    expect(formatPath([])).toBe('(root)');
  });

  it('formatPath - pascal keeps keys that are Object.prototype names (a file can contain them)', () => {
    expect(formatPath(['clients', 0, 'constructor'], 'pascal')).toBe('Clients[0].Constructor');
    expect(formatPath(['clients', 0, '__proto__'], 'pascal')).toBe('Clients[0].__proto__');
    expect(formatPath(['toString'], 'pascal')).toBe('ToString');
  });
});

describe('errors', () => {
  it('IdsrvError - carries a stable code and the cause', () => {
    const cause = new Error('down');
    const error = new IdsrvError('ERR_STORE_UNAVAILABLE', 'store unavailable', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('IdsrvError');
  });

  it('ModelValidationError - ERR_MODEL_INVALID, every issue, one line per issue', () => {
    const issues = [
      {
        path: ['clients', 1, 'redirectUris'],
        rule: 'redirect-uri-required',
        message: 'No redirect URI configured.',
      },
      {
        path: ['clients', 1, 'accessTokenLifetime'],
        rule: 'lifetime-not-positive',
        message: 'access token lifetime is 0 or negative',
      },
    ];
    const error = new ModelValidationError(issues, { subject: 'configuration', pathStyle: 'pascal' });
    expect(error).toBeInstanceOf(IdsrvError);
    expect(error.name).toBe('ModelValidationError');
    expect(error.code).toBe('ERR_MODEL_INVALID');
    expect(error.issues).toBe(issues);
    expect(error.message).toBe(
      'Invalid configuration: 2 problems\n' +
        '  - Clients[1].RedirectUris: No redirect URI configured. [redirect-uri-required]\n' +
        '  - Clients[1].AccessTokenLifetime: access token lifetime is 0 or negative [lifetime-not-positive]',
    );
  });

  it("ModelValidationError - one problem is singular; the subject defaults to 'definition'", () => {
    const error = new ModelValidationError([
      { path: ['clientId'], rule: 'required', message: 'is required' },
    ]);
    expect(error.message).toBe('Invalid definition: 1 problem\n  - clientId: is required [required]');
  });

  it('ModelValidationError - narrows on code in a switch', () => {
    const error: IdsrvError = new ModelValidationError([]);
    switch (error.code) {
      case 'ERR_MODEL_INVALID':
        expect(error).toBeInstanceOf(ModelValidationError);
        break;
      default:
        expect.unreachable();
    }
  });

  it('AlreadyConsumedError - ERR_ALREADY_CONSUMED; the message shows only the start of the id', () => {
    const error = new AlreadyConsumedError('AuthorizationCode', 'abcdefghijklmnop');
    expect(error).toBeInstanceOf(IdsrvError);
    expect(error.code).toBe('ERR_ALREADY_CONSUMED');
    expect(error.name).toBe('AlreadyConsumedError');
    expect(error.message).toBe('AuthorizationCode abcdef… was already consumed');
    expect(error.message).not.toContain('ghij');
  });
});

describe('closestName', () => {
  it('closestName - finds a likely typo case-insensitively', () => {
    expect(closestName('AllowedScope', CLIENT_PROPERTIES)).toBe('allowedScopes');
    expect(closestName('RedirectUris', CLIENT_PROPERTIES)).toBe('redirectUris');
    expect(closestName('accesTokenLifetime', CLIENT_PROPERTIES)).toBe('accessTokenLifetime');
  });

  it('closestName - nothing for an unrelated name or no candidates', () => {
    expect(closestName('colour', CLIENT_PROPERTIES)).toBeUndefined();
    expect(closestName('xyz', CLIENT_PROPERTIES)).toBeUndefined();
    expect(closestName('enabled', [])).toBeUndefined();
  });

  it('closestName - tolerates up to a third of the name length (at least 2 edits)', () => {
    expect(closestName('abcdef', ['abcxyz'])).toBeUndefined(); // 3 edits > max(2, 2)
    expect(closestName('abcdef', ['abcdyz'])).toBe('abcdyz'); // 2 edits
    expect(closestName('abcdefghi', ['abcdefxyz'])).toBe('abcdefxyz'); // 3 edits <= 3
  });
});
