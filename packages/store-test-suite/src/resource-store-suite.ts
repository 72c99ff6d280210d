import { validateDefinitions } from '@idsrv/model';
import { describe, expect } from 'vitest';
import { sampleResources } from './fixtures.ts';
import type { Harness } from './harness.ts';
import type { StoreUnderTest } from './types.ts';

const names = (items: readonly { name: string }[]) => items.map((i) => i.name).sort();

/** The sample resources with every default applied, as a store must return them. */
function expectedResources() {
  const { definitions, issues } = validateDefinitions(sampleResources());
  if (!definitions) throw new Error(`the suite's sample resources are invalid: ${JSON.stringify(issues)}`);
  return definitions;
}

/** Tests of `ResourceStore` (`store.resources`), on a store seeded with {@link sampleResources}. */
export function resourceStoreSuite<S extends StoreUnderTest>(h: Harness<S>): void {
  const { it } = h;

  describe('resource store', () => {
    it('findIdentityResourcesByScopeName - returns the identity resources with those names', async ({
      open,
    }) => {
      const { resources } = await open(sampleResources());
      const found = await resources.findIdentityResourcesByScopeName(['openid', 'profile', 'api1']);
      expect(names(found)).toEqual(['openid', 'profile']);
      const expected = expectedResources().identityResources.filter((r) => r.name === 'openid');
      expect(await resources.findIdentityResourcesByScopeName(['openid'])).toEqual(expected);
    });

    it('findApiScopesByName - returns the API scopes with those names', async ({ open }) => {
      const { resources } = await open(sampleResources());
      expect(names(await resources.findApiScopesByName(['api1', 'api2.write', 'openid']))).toEqual([
        'api1',
        'api2.write',
      ]);
      const expected = expectedResources().apiScopes.filter((s) => s.name === 'api2.read');
      expect(await resources.findApiScopesByName(['api2.read'])).toEqual(expected);
    });

    it('findApiResourcesByScopeName - returns the API resources that carry any of those scopes, once each', async ({
      open,
    }) => {
      const { resources } = await open(sampleResources());
      expect(names(await resources.findApiResourcesByScopeName(['api1']))).toEqual([
        'https://api1.example.com',
        'https://reports.example.com',
      ]);
      // reports carries both scopes; it is still returned once.
      expect(names(await resources.findApiResourcesByScopeName(['api1', 'api2.read']))).toEqual([
        'https://api1.example.com',
        'https://api2.example.com',
        'https://reports.example.com',
      ]);
      expect(names(await resources.findApiResourcesByScopeName(['api2.write']))).toEqual([
        'https://api2.example.com',
      ]);
    });

    it('findApiResourcesByName - returns the API resources with those names', async ({ open }) => {
      const { resources } = await open(sampleResources());
      const found = await resources.findApiResourcesByName(['https://api2.example.com', 'api1']);
      const expected = expectedResources().apiResources.filter((r) => r.name === 'https://api2.example.com');
      expect(found).toEqual(expected);
    });

    it('find - unknown names and an empty list resolve to an empty array', async ({ open }) => {
      const { resources } = await open(sampleResources());
      for (const list of [[], ['unknown'], ['']]) {
        expect(await resources.findIdentityResourcesByScopeName(list)).toEqual([]);
        expect(await resources.findApiScopesByName(list)).toEqual([]);
        expect(await resources.findApiResourcesByScopeName(list)).toEqual([]);
        expect(await resources.findApiResourcesByName(list)).toEqual([]);
      }
    });

    it('find - names are compared exactly (case-sensitive)', async ({ open }) => {
      const { resources } = await open(sampleResources());
      expect(names(await resources.findApiScopesByName(['API1']))).toEqual(['API1']);
      expect(names(await resources.findApiScopesByName(['Api1']))).toEqual([]);
      expect(names(await resources.findIdentityResourcesByScopeName(['OpenId', 'custom']))).toEqual([]);
      expect(names(await resources.findIdentityResourcesByScopeName(['Custom']))).toEqual(['Custom']);
      expect(await resources.findApiResourcesByScopeName(['API1'])).toEqual([]);
    });

    it('find - a name asked for twice returns its resource once', async ({ open }) => {
      const { resources } = await open(sampleResources());
      expect(names(await resources.findApiScopesByName(['api1', 'api1']))).toEqual(['api1']);
      expect(names(await resources.findIdentityResourcesByScopeName(['openid', 'openid']))).toEqual([
        'openid',
      ]);
      expect(
        names(
          await resources.findApiResourcesByName(['https://api1.example.com', 'https://api1.example.com']),
        ),
      ).toEqual(['https://api1.example.com']);
    });

    it('find - disabled resources are returned, with enabled false', async ({ open }) => {
      const { resources } = await open(sampleResources());
      expect(await resources.findIdentityResourcesByScopeName(['email'])).toMatchObject([
        { name: 'email', enabled: false },
      ]);
      expect(await resources.findApiScopesByName(['retired.scope'])).toMatchObject([
        { name: 'retired.scope', enabled: false },
      ]);
      expect(await resources.findApiResourcesByScopeName(['retired.scope'])).toMatchObject([
        { name: 'https://retired.example.com', enabled: false },
      ]);
    });

    it('cachedQueries - answers exactly what the async lookups answer, when the store has a snapshot', async ({
      open,
    }) => {
      const { resources } = await open(sampleResources());
      const asks = [
        ['api1', 'api2.read', 'openid', 'nope', 'https://api2.example.com'],
        ['profile'],
        ['retired.scope', 'https://retired.example.com'],
        [],
      ];
      // After a read, a store that caches has its snapshot.
      await resources.findApiScopesByName(['api1']);
      const queries = resources.cachedQueries?.();
      if (!queries) return;
      for (const names of asks) {
        expect(queries.findIdentityResourcesByScopeName(names)).toEqual(
          await resources.findIdentityResourcesByScopeName(names),
        );
        expect(queries.findApiScopesByName(names)).toEqual(await resources.findApiScopesByName(names));
        expect(queries.findApiResourcesByScopeName(names)).toEqual(
          await resources.findApiResourcesByScopeName(names),
        );
        expect(queries.findApiResourcesByName(names)).toEqual(await resources.findApiResourcesByName(names));
      }
    });

    it('getAllResources - returns every resource, with defaults applied', async ({ open }) => {
      const { resources } = await open(sampleResources());
      const all = await resources.getAllResources();
      const expected = expectedResources();
      const byName = <T extends { name: string }>(items: T[]) =>
        [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      expect(byName(all.identityResources)).toEqual(byName(expected.identityResources));
      expect(byName(all.apiScopes)).toEqual(byName(expected.apiScopes));
      expect(byName(all.apiResources)).toEqual(byName(expected.apiResources));
    });

    it('getAllResources - a store created without resources has none', async ({ store }) => {
      expect(await store.resources.getAllResources()).toEqual({
        identityResources: [],
        apiScopes: [],
        apiResources: [],
      });
      expect(await store.resources.findApiScopesByName(['api1'])).toEqual([]);
    });

    it('resources - results are read-only: changing them (where allowed) does not change the store', async ({
      open,
    }) => {
      const { resources } = await open(sampleResources());
      // A store may hand out frozen shared objects (changes throw a TypeError) or copies (changes are harmless).
      const attempt = (change: () => void) => {
        try {
          change();
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
        }
      };
      const [scope] = await resources.findApiScopesByName(['api1']);
      attempt(() => scope!.userClaims.push('injected'));
      attempt(() => {
        scope!.enabled = false;
      });
      const all = await resources.getAllResources();
      attempt(() => {
        all.apiResources.length = 0;
      });
      for (const resource of all.identityResources) attempt(() => resource.userClaims.push('injected'));

      const again = await resources.getAllResources();
      expect(names(again.apiResources)).toEqual(names(expectedResources().apiResources));
      for (const resource of again.identityResources) expect(resource.userClaims).not.toContain('injected');
      expect(await resources.findApiScopesByName(['api1'])).toEqual(
        expectedResources().apiScopes.filter((s) => s.name === 'api1'),
      );
    });

    it('isolation - resources seeded into one store are not in another', async ({ open, store }) => {
      await open(sampleResources());
      expect((await store.resources.getAllResources()).apiScopes).toEqual([]);
    });
  });
}
