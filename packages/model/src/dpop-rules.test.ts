import { describe, expect, it } from 'vitest';
import { DPOP_CLOCK_SKEW_MESSAGE } from './dpop-rules.ts';
import { validateClientDefinition } from './validate-client.ts';

const client = {
  clientId: 'dpop.client',
  clientSecrets: [{ value: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' }],
  allowedGrantTypes: ['client_credentials'],
  allowedScopes: ['api1'],
  requireDPoP: true,
};

describe('DPoP rules', () => {
  it('dPoPClockSkew - up to 300 seconds (the default) is accepted', () => {
    expect(validateClientDefinition({ ...client, dPoPClockSkew: 300 }).issues).toEqual([]);
    expect(validateClientDefinition({ ...client, dPoPClockSkew: 30 }).issues).toEqual([]);
    expect(validateClientDefinition(client).client?.dPoPClockSkew).toBe(300);
  });

  it('dPoPClockSkew - more than 300 seconds is refused with a message saying what to use instead', () => {
    const { client: result, issues } = validateClientDefinition({ ...client, dPoPClockSkew: 301 }, [
      'clients',
      2,
    ]);
    expect(result).toBeUndefined();
    expect(issues).toEqual([
      {
        path: ['clients', 2, 'dPoPClockSkew'],
        rule: 'dpop-clock-skew-unsupported',
        message: DPOP_CLOCK_SKEW_MESSAGE,
      },
    ]);
    expect(DPOP_CLOCK_SKEW_MESSAGE).toContain('at most 300 seconds');
  });
});
