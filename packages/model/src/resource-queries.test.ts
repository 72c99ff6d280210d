import { describe, expect, it } from 'vitest';
import { resourceQueries } from './resource-queries.ts';
import type { Resources } from './resources.ts';
import { validateDefinitions } from './validate.ts';

function snapshot(): Resources {
  const { definitions } = validateDefinitions({
    identityResources: [
      { name: 'openid', userClaims: ['sub'] },
      { name: 'profile', userClaims: ['name'] },
    ],
    apiScopes: [{ name: 'api1' }, { name: 'api2', enabled: false }, { name: 'shared' }],
    apiResources: [
      { name: 'urn:b', scopes: ['shared', 'api2'] },
      { name: 'urn:a', scopes: ['api1', 'shared'] },
    ],
  });
  if (!definitions) throw new Error('invalid test definitions');
  return definitions;
}

/** What a scan over the snapshot answers, which the indexed lookups must equal. */
function scan(resources: Resources) {
  const named = <T extends { name: string }>(items: readonly T[], names: readonly string[]) =>
    items.filter((i) => names.includes(i.name));
  return {
    findIdentityResourcesByScopeName: (n: string[]) => named(resources.identityResources, n),
    findApiScopesByName: (n: string[]) => named(resources.apiScopes, n),
    findApiResourcesByScopeName: (n: string[]) =>
      resources.apiResources.filter((r) => r.scopes.some((s) => n.includes(s))),
    findApiResourcesByName: (n: string[]) => named(resources.apiResources, n),
  };
}

describe('resourceQueries', () => {
  it('answers each lookup as a scan would: snapshot order, each item once, disabled ones included', () => {
    const resources = snapshot();
    const queries = resourceQueries(resources);
    const expected = scan(resources);
    const questions = [
      [],
      ['api1'],
      ['shared', 'api1'],
      ['api2'],
      ['nope'],
      ['openid', 'profile', 'api1'],
      ['urn:a', 'urn:b'],
    ];
    for (const names of questions) {
      for (const lookup of Object.keys(expected) as (keyof typeof expected)[]) {
        expect([...queries[lookup](names)], `${lookup}(${names.join(' ')})`).toEqual(expected[lookup](names));
      }
    }
    expect(queries.findApiResourcesByScopeName(['api1', 'shared']).map((r) => r.name)).toEqual([
      'urn:b',
      'urn:a',
    ]);
  });

  it('a repeated query returns the same frozen array, so callers can memoize by identity', () => {
    const resources = snapshot();
    const first = resourceQueries(resources).findApiScopesByName(['api1', 'shared']);
    expect(resourceQueries(resources).findApiScopesByName(['api1', 'shared'])).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(resourceQueries(resources).findApiScopesByName(['shared', 'api1'])).not.toBe(first);
    // A new snapshot (the resources changed) is a new index: nothing is answered from the old one.
    expect(resourceQueries(snapshot()).findApiScopesByName(['api1', 'shared'])).not.toBe(first);
  });

  it('keeps a bounded number of distinct queries: names sent in requests cannot grow it without end', () => {
    const queries = resourceQueries(snapshot());
    const first = queries.findApiScopesByName(['api1']);
    for (let i = 0; i < 1_000; i++) queries.findApiScopesByName([`unknown-${i}`]);
    const again = queries.findApiScopesByName(['api1']);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
