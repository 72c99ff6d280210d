/**
 * What TypeScript itself rejects in `defineClient`. Each `@ts-expect-error` is checked by `pnpm typecheck`
 * (`tsc` over `src` and `test`): if the type ever accepted the line, the directive would be unused and the
 * typecheck would fail. The runtime assertions show the same definitions are refused when types are bypassed
 * (JavaScript callers, casts).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Client,
  type ClientInput,
  defineClient,
  GrantTypes,
  ModelValidationError,
  sha256,
  TokenExpiration,
  TokenUsage,
} from '../src/index.ts';

const base = {
  clientId: 'service.client',
  clientSecrets: [{ value: sha256('secret') }],
  allowedGrantTypes: GrantTypes.ClientCredentials,
  allowedScopes: ['api1'],
} satisfies ClientInput;

describe('defineClient - compile-time checks', () => {
  it('defineClient - TypeScript rejects an unknown property', () => {
    expect(() =>
      defineClient({
        ...base,
        // @ts-expect-error -- 'allowedScope' is not a client property (the property is 'allowedScopes')
        allowedScope: ['api2'],
      }),
    ).toThrow("unknown property 'allowedScope'; did you mean 'allowedScopes'?");
  });

  it('defineClient - TypeScript rejects an unknown property inside a secret', () => {
    expect(() =>
      defineClient({
        ...base,
        // @ts-expect-error -- a secret has 'expiration', not 'expires'
        clientSecrets: [{ value: sha256('secret'), expires: '2030-01-01' }],
      }),
    ).toThrow(ModelValidationError);
  });

  it("defineClient - TypeScript rejects a wrong enum value (refreshTokenUsage: 'Sometimes')", () => {
    expect(() =>
      defineClient({
        ...base,
        // @ts-expect-error -- RefreshTokenUsage is 'ReUse' or 'OneTimeOnly'
        refreshTokenUsage: 'Sometimes',
      }),
    ).toThrow('Invalid option: expected one of "ReUse"|"OneTimeOnly"');
  });

  it('defineClient - TypeScript rejects other wrong enum values and types', () => {
    // @ts-expect-error -- AccessTokenType is 'Jwt' or 'Reference' (case matters)
    expect(() => defineClient({ ...base, accessTokenType: 'jwt' })).toThrow(ModelValidationError);
    // @ts-expect-error -- the secret type is one of the SecretTypes
    expect(() => defineClient({ ...base, clientSecrets: [{ value: 'v', type: 'Password' }] })).toThrow(
      ModelValidationError,
    );
    // @ts-expect-error -- lifetimes are numbers of seconds, not strings
    expect(() => defineClient({ ...base, accessTokenLifetime: '3600' })).toThrow(ModelValidationError);
    // @ts-expect-error -- allowedScopes is a list
    expect(() => defineClient({ ...base, allowedScopes: 'api1' })).toThrow(ModelValidationError);
  });

  it('defineClient - TypeScript requires clientId', () => {
    const { clientId: _, ...withoutId } = base;
    // @ts-expect-error -- clientId is required
    expect(() => defineClient(withoutId)).toThrow(
      "Invalid client 'undefined': 1 problem\n  - clientId: is required",
    );
  });

  it('defineClient - the enum constants and plain strings are both accepted', () => {
    const client = defineClient({
      ...base,
      refreshTokenUsage: TokenUsage.OneTimeOnly,
      refreshTokenExpiration: 'Sliding',
    });
    expect(client.refreshTokenUsage).toBe('OneTimeOnly');
    expect(client.refreshTokenExpiration).toBe(TokenExpiration.Sliding);
  });

  it('defineClient - returns a Client whose defaulted properties are not optional', () => {
    expectTypeOf(defineClient).returns.toEqualTypeOf<Client>();
    expectTypeOf<Client['accessTokenLifetime']>().toEqualTypeOf<number>();
    expectTypeOf<Client['enabled']>().toEqualTypeOf<boolean>();
    expectTypeOf<Client['allowedScopes']>().toEqualTypeOf<string[]>();
    expectTypeOf<Client['refreshTokenUsage']>().toEqualTypeOf<'ReUse' | 'OneTimeOnly'>();
    expectTypeOf<Client['clientName']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ClientInput['accessTokenLifetime']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientInput['clientId']>().toEqualTypeOf<string>();
    expectTypeOf<Client['clientSecrets'][number]['expiration']>().toEqualTypeOf<Date | undefined>();
    // Defaults are applied at run time as well as in the type.
    const client = defineClient(base);
    expect(client.accessTokenLifetime).toBe(3600);
    expect(client.enabled).toBe(true);
  });
});
