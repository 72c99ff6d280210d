import { describe, expect } from 'vitest';
import { sampleResources, serviceClient } from './fixtures.ts';
import type { Harness } from './harness.ts';
import type { StoreSeed, StoreUnderTest } from './types.ts';

/** Tests of the store as a whole: what `create` accepts, isolation between instances, `dispose`. */
export function lifecycleSuite<S extends StoreUnderTest>(h: Harness<S>): void {
  const { it } = h;

  describe('lifecycle', () => {
    it('create - a seeded store holds its clients and resources, with defaults applied', async ({ open }) => {
      const store = await open({
        ...sampleResources(),
        clients: [serviceClient('svc', { allowedScopes: ['api1'] })],
      });
      expect(await store.clients.findClientById('svc')).toEqual(
        serviceClient('svc', { allowedScopes: ['api1'] }),
      );
      expect(await store.resources.findApiScopesByName(['api1'])).toMatchObject([
        { name: 'api1', enabled: true },
      ]);
    });

    it('create - invalid seed definitions are refused with ModelValidationError', async () => {
      const seeds: [string, StoreSeed][] = [
        ['a client breaking a rule', { clients: [{ clientId: 'no.grants', allowedGrantTypes: [] }] }],
        ['two clients with one id', { clients: [serviceClient('twin'), serviceClient('twin')] }],
        ['an API resource naming an unknown scope', { apiResources: [{ name: 'api', scopes: ['missing'] }] }],
        [
          'a client allowed a scope no resource defines',
          { apiScopes: [{ name: 'api1' }], clients: [serviceClient('svc', { allowedScopes: ['api9'] })] },
        ],
      ];
      for (const [what, seed] of seeds) {
        const attempt = (async () => {
          const store = await h.create(seed);
          await store.dispose();
        })();
        await expect(attempt, what).rejects.toMatchObject({
          name: 'ModelValidationError',
          code: 'ERR_MODEL_INVALID',
        });
      }
    });

    it('isolation - two stores from two create() calls share no adapter records', async ({ store, open }) => {
      const other = await open();
      await store.adapter('Session').upsert('s1', { uid: 'u1', grantId: 'g1' }, 60);
      await store.adapter('AuthorizationCode').upsert('c1', { grantId: 'g1' }, 60);
      expect(await other.adapter('Session').find('s1')).toBeUndefined();
      expect(await other.adapter('Session').findByUid('u1')).toBeUndefined();
      await other.adapter('AuthorizationCode').upsert('c1', { grantId: 'g1' }, 60);
      await other.adapter('AuthorizationCode').consume('c1');
      await store.adapter('AuthorizationCode').consume('c1');
      await other.adapter('AuthorizationCode').revokeByGrantId('g1');
      expect(await store.adapter('AuthorizationCode').find('c1')).toBeDefined();
    });

    it('dispose - can be called more than once', async () => {
      const store = await h.create();
      await store.dispose();
      await store.dispose();
    });
  });
}
