import type { ValidationIssue } from './errors.ts';

/** The protocol strings of the grant types IdentityServer knows (`OidcConstants.GrantTypes` and its own two). */
export const GrantType = {
  Implicit: 'implicit',
  /** IdentityServer's own name for the OpenID Connect hybrid flow; not a token-endpoint grant. */
  Hybrid: 'hybrid',
  AuthorizationCode: 'authorization_code',
  ClientCredentials: 'client_credentials',
  ResourceOwnerPassword: 'password',
  RefreshToken: 'refresh_token',
  DeviceFlow: 'urn:ietf:params:oauth:grant-type:device_code',
  TokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  Ciba: 'urn:openid:params:grant-type:ciba',
  JwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
} as const;

export type KnownGrantType = (typeof GrantType)[keyof typeof GrantType];

/**
 * IdentityServer's `GrantTypes` combinations. Each is a fresh array so that a client can add to its own list without
 * changing anybody else's.
 *
 * @example
 * defineClient({ clientId: 'svc', allowedGrantTypes: GrantTypes.ClientCredentials, ... })
 */
export const GrantTypes = {
  get Implicit(): string[] {
    return [GrantType.Implicit];
  },
  get ImplicitAndClientCredentials(): string[] {
    return [GrantType.Implicit, GrantType.ClientCredentials];
  },
  get Code(): string[] {
    return [GrantType.AuthorizationCode];
  },
  get CodeAndClientCredentials(): string[] {
    return [GrantType.AuthorizationCode, GrantType.ClientCredentials];
  },
  get Hybrid(): string[] {
    return [GrantType.Hybrid];
  },
  get HybridAndClientCredentials(): string[] {
    return [GrantType.Hybrid, GrantType.ClientCredentials];
  },
  get ClientCredentials(): string[] {
    return [GrantType.ClientCredentials];
  },
  get ResourceOwnerPassword(): string[] {
    return [GrantType.ResourceOwnerPassword];
  },
  get ResourceOwnerPasswordAndClientCredentials(): string[] {
    return [GrantType.ResourceOwnerPassword, GrantType.ClientCredentials];
  },
  get DeviceFlow(): string[] {
    return [GrantType.DeviceFlow];
  },
  get Ciba(): string[] {
    return [GrantType.Ciba];
  },
} as const;

/** The pairs IdentityServer refuses in one client's grant types (`Client.ValidateGrantTypes`). */
export const FORBIDDEN_GRANT_TYPE_PAIRS: readonly (readonly [string, string])[] = [
  [GrantType.Implicit, GrantType.AuthorizationCode],
  [GrantType.Implicit, GrantType.Hybrid],
  [GrantType.AuthorizationCode, GrantType.Hybrid],
];

/**
 * IdentityServer's grant-type list rules: no spaces, no duplicates, and none of the forbidden pairs.
 *
 * @param path where the list is, for the issues' `path`.
 * @returns every problem found (an empty array when the list is fine).
 */
export function validateGrantTypes(
  grantTypes: readonly string[],
  path: (string | number)[] = ['allowedGrantTypes'],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  grantTypes.forEach((grantType, index) => {
    if (/\s/.test(grantType)) {
      issues.push({
        path: [...path, index],
        rule: 'grant-type-whitespace',
        message: `Grant types cannot contain spaces: '${grantType}'.`,
      });
    }
    if (grantTypes.indexOf(grantType) !== index) {
      issues.push({
        path: [...path, index],
        rule: 'grant-type-duplicate',
        message: `Grant types list contains duplicate values: '${grantType}'.`,
      });
    }
  });
  for (const [a, b] of FORBIDDEN_GRANT_TYPE_PAIRS) {
    if (grantTypes.includes(a) && grantTypes.includes(b)) {
      issues.push({
        path,
        rule: 'grant-type-combination',
        message: `Grant types list cannot contain both ${a} and ${b}`,
      });
    }
  }
  return issues;
}
