import { describe, expect, it } from 'vitest';
import { GrantTypes } from './grant-types.ts';
import {
  DEFAULT_USER_CODE_TYPE,
  isUserCodeType,
  USER_CODE_TYPES,
  userCodeFormat,
} from './user-code-types.ts';
import { validateClientDefinition } from './validate-client.ts';

/** A public device-flow client (what a TV app or CLI is); each test changes one thing. */
const device = (overrides: Record<string, unknown> = {}) => ({
  clientId: 'tv',
  requireClientSecret: false,
  allowedGrantTypes: GrantTypes.DeviceFlow,
  allowedScopes: ['openid'],
  ...overrides,
});

describe('user code types', () => {
  it("the default is IdentityServer's: Numeric, nine digits", () => {
    expect(DEFAULT_USER_CODE_TYPE).toBe('Numeric');
    expect(userCodeFormat(undefined)).toEqual({ charset: 'digits', mask: '*********' });
  });

  it('Base20 is RFC 8628 §6.1 and oidc-provider: eight letters in two groups', () => {
    expect(userCodeFormat('Base20')).toEqual({ charset: 'base-20', mask: '****-****' });
  });

  it('names match case-sensitively and inherited properties are not types', () => {
    expect(isUserCodeType('Numeric')).toBe(true);
    expect(isUserCodeType('numeric')).toBe(false);
    expect(isUserCodeType('toString')).toBe(false);
    expect(() => userCodeFormat('Alphanumeric')).toThrow("unknown user code type 'Alphanumeric'");
  });

  it('validateClientDefinition - every known userCodeType is accepted', () => {
    for (const name of Object.keys(USER_CODE_TYPES)) {
      expect(validateClientDefinition(device({ userCodeType: name })).issues).toEqual([]);
    }
    expect(validateClientDefinition(device()).issues).toEqual([]);
  });

  it("validateClientDefinition - an unknown userCodeType is 'user-code-type-unknown', with the names to use", () => {
    expect(validateClientDefinition(device({ userCodeType: 'Alphanumeric' })).issues).toEqual([
      {
        path: ['userCodeType'],
        rule: 'user-code-type-unknown',
        message: "user code type 'Alphanumeric' is not supported; use one of Numeric, Base20",
      },
    ]);
  });

  it('validateClientDefinition - a near miss suggests the name', () => {
    const [issue] = validateClientDefinition(device({ userCodeType: 'numeric' })).issues;
    expect(issue?.message).toBe(
      "user code type 'numeric' is not supported; use one of Numeric, Base20 (did you mean 'Numeric'?)",
    );
  });
});
