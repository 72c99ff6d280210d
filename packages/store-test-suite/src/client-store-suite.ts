import { type Client, type MutableClientStore, validateClientDefinition } from '@idsrv/model';
import { describe, expect } from 'vitest';
import { serviceClient, webClient } from './fixtures.ts';
import type { Harness } from './harness.ts';
import type { StoreUnderTest } from './types.ts';

/** Follows cursors to the end; fails instead of looping when a store keeps handing out cursors. */
async function listAll(
  clients: MutableClientStore,
  limit?: number,
): Promise<{ ids: string[]; pages: Client[][] }> {
  const pages: Client[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await clients.listClients({ ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
    pages.push(page.clients);
    cursor = page.cursor;
    if (cursor === undefined) return { ids: pages.flat().map((c) => c.clientId), pages };
  }
  throw new Error('listClients kept returning a cursor after 1000 pages');
}

/** A client with only some properties, as an untyped caller could pass it; the store must apply defaults. */
const partial = (client: Record<string, unknown>) => client as unknown as Client;

const expectInvalid = (promise: Promise<unknown>) =>
  expect(promise).rejects.toMatchObject({ name: 'ModelValidationError', code: 'ERR_MODEL_INVALID' });

/** Tests of `MutableClientStore` (`store.clients`). */
export function clientStoreSuite<S extends StoreUnderTest>(h: Harness<S>): void {
  const { it, itIf, capabilities } = h;

  describe('client store', () => {
    it('putClient/findClientById - a stored client is found equal to what was put', async ({ store }) => {
      const client = serviceClient();
      await store.clients.putClient(client);
      expect(await store.clients.findClientById('service.client')).toEqual(client);
    });

    it('findClientById - returns the client with every default applied', async ({ store }) => {
      await store.clients.putClient(
        partial({
          clientId: 'minimal',
          clientSecrets: [{ value: serviceClient().clientSecrets[0]!.value }],
          allowedGrantTypes: ['client_credentials'],
        }),
      );
      const found = await store.clients.findClientById('minimal');
      const expected = validateClientDefinition({
        clientId: 'minimal',
        clientSecrets: [{ value: serviceClient().clientSecrets[0]!.value }],
        allowedGrantTypes: ['client_credentials'],
      }).client;
      expect(found).toEqual(expected);
      expect(found).toMatchObject({
        enabled: true,
        accessTokenLifetime: 3600,
        requirePkce: true,
        allowedScopes: [],
      });
    });

    it('findClientById - secrets keep their expiration as a Date', async ({ store }) => {
      await store.clients.putClient(serviceClient());
      const found = await store.clients.findClientById('service.client');
      expect(found!.clientSecrets[0]!.expiration).toBeInstanceOf(Date);
      expect(found!.clientSecrets[0]!.expiration!.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    });

    it('findClientById - an unknown id resolves undefined', async ({ store }) => {
      expect(await store.clients.findClientById('nobody')).toBeUndefined();
    });

    it('findClientById - ids are case-sensitive', async ({ store }) => {
      await store.clients.putClient(serviceClient('Service.Client'));
      expect(await store.clients.findClientById('service.client')).toBeUndefined();
      expect(await store.clients.findClientById('SERVICE.CLIENT')).toBeUndefined();
      await store.clients.putClient(serviceClient('service.client', { clientName: 'lower' }));
      expect((await store.clients.findClientById('Service.Client'))?.clientName).toBe('Service client');
      expect((await store.clients.findClientById('service.client'))?.clientName).toBe('lower');
    });

    it('findClientById - a disabled client is returned as it is, with enabled false', async ({ store }) => {
      const disabled = serviceClient('disabled.client', { enabled: false });
      await store.clients.putClient(disabled);
      expect(await store.clients.findClientById('disabled.client')).toEqual(disabled);
      expect((await store.clients.findClientById('disabled.client'))?.enabled).toBe(false);
    });

    it('findClientById - the result is read-only: changing it, or the client put, does not change the store', async ({
      store,
    }) => {
      const client = webClient();
      await store.clients.putClient(client);
      client.redirectUris.push('https://evil.example.com/cb');
      const found = await store.clients.findClientById('web.client');
      // A store may hand out a frozen shared object (mutation throws) or a copy (mutation is harmless).
      const attempt = (change: () => void) => {
        try {
          change();
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
        }
      };
      attempt(() => found!.allowedScopes.push('admin'));
      attempt(() => {
        found!.enabled = false;
      });
      expect(await store.clients.findClientById('web.client')).toEqual(webClient());
    });

    it('putClient - replaces the client with the same id', async ({ store }) => {
      await store.clients.putClient(webClient('web.client', { clientName: 'Before' }));
      await store.clients.putClient(webClient('web.client', { clientName: 'After', requireConsent: true }));
      expect(await store.clients.findClientById('web.client')).toEqual(
        webClient('web.client', { clientName: 'After', requireConsent: true }),
      );
      expect((await listAll(store.clients)).ids).toEqual(['web.client']);
    });

    it('putClient - an invalid client rejects with ModelValidationError and stores nothing', async ({
      store,
    }) => {
      await expectInvalid(store.clients.putClient(partial({ clientId: 'no.grants', allowedGrantTypes: [] })));
      await expectInvalid(
        store.clients.putClient(
          partial({
            clientId: 'plaintext.secret',
            clientSecrets: [{ value: 'secret' }],
            allowedGrantTypes: ['client_credentials'],
          }),
        ),
      );
      await expectInvalid(store.clients.putClient(partial({ allowedGrantTypes: ['client_credentials'] })));
      expect(await store.clients.findClientById('no.grants')).toBeUndefined();
      expect(await store.clients.findClientById('plaintext.secret')).toBeUndefined();
      expect((await listAll(store.clients)).ids).toEqual([]);
    });

    it('putClient - an invalid replacement leaves the stored client unchanged', async ({ store }) => {
      await store.clients.putClient(webClient());
      // An authorization-code client without a redirect URI breaks a rule.
      await expectInvalid(store.clients.putClient({ ...webClient(), redirectUris: [] }));
      expect(await store.clients.findClientById('web.client')).toEqual(webClient());
    });

    it('removeClient - removes an existing client and resolves true; false for an unknown one', async ({
      store,
    }) => {
      await store.clients.putClient(serviceClient());
      expect(await store.clients.removeClient('service.client')).toBe(true);
      expect(await store.clients.findClientById('service.client')).toBeUndefined();
      expect(await store.clients.removeClient('service.client')).toBe(false);
      expect(await store.clients.removeClient('nobody')).toBe(false);
    });

    it('findCachedClient - answers only what findClientById would: the same object or nothing, never a replaced or removed client', async ({
      store,
    }) => {
      const cached = (id: string) => store.clients.findCachedClient?.(id);
      expect(cached('service.client')).toBeUndefined();
      await store.clients.putClient(serviceClient());
      const found = await store.clients.findClientById('service.client');
      expect([undefined, found]).toContain(cached('service.client'));
      await store.clients.putClient({ ...serviceClient(), clientName: 'Renamed' });
      const replaced = cached('service.client');
      if (replaced !== undefined) expect(replaced.clientName).toBe('Renamed');
      expect([undefined, await store.clients.findClientById('service.client')]).toContain(
        cached('service.client'),
      );
      await store.clients.removeClient('service.client');
      expect(cached('service.client')).toBeUndefined();
    });

    it('listClients - an empty store lists no client and no cursor', async ({ store }) => {
      expect(await store.clients.listClients()).toEqual({ clients: [] });
    });

    it('listClients - pages of at most limit clients, following cursors, visit every client once', async ({
      store,
    }) => {
      const ids = Array.from({ length: 7 }, (_, i) => `client-${i}`);
      for (const id of ids) await store.clients.putClient(serviceClient(id));

      const { ids: listed, pages } = await listAll(store.clients, 3);
      expect([...listed].sort()).toEqual(ids);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(3);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      for (const page of pages)
        for (const client of page) expect(client).toEqual(serviceClient(client.clientId));

      const all = await listAll(store.clients);
      expect([...all.ids].sort()).toEqual(ids);
    });

    it('listClients - removed clients are not listed; a client put during the listing is listed at most once', async ({
      store,
    }) => {
      for (const id of ['a', 'b', 'c', 'd']) await store.clients.putClient(serviceClient(id));
      await store.clients.removeClient('b');
      const first = await store.clients.listClients({ limit: 2 });
      await store.clients.putClient(serviceClient('e'));
      let listed = first.clients.map((c) => c.clientId);
      if (first.cursor !== undefined) {
        let cursor: string | undefined = first.cursor;
        for (let i = 0; cursor !== undefined && i < 100; i++) {
          const page: { clients: Client[]; cursor?: string } = await store.clients.listClients({
            limit: 2,
            cursor,
          });
          listed = listed.concat(page.clients.map((c) => c.clientId));
          cursor = page.cursor;
        }
      }
      expect(listed).not.toContain('b');
      for (const id of ['a', 'c', 'd']) expect(listed.filter((x) => x === id)).toHaveLength(1);
      expect(listed.filter((x) => x === 'e').length).toBeLessThanOrEqual(1);
    });

    it('isolation - clients put in one store are not visible in another', async ({ store, open }) => {
      const other = await open();
      await store.clients.putClient(serviceClient());
      expect(await other.clients.findClientById('service.client')).toBeUndefined();
      expect(await other.clients.listClients()).toEqual({ clients: [] });
      await other.clients.putClient(webClient());
      expect(await store.clients.findClientById('web.client')).toBeUndefined();
    });

    itIf(
      capabilities.connect !== undefined,
      'the store has no connect capability (its state is private to one instance)',
    )(
      'shared backend - a second instance sees the clients the first one put and removed',
      async ({ store, connect }) => {
        const second = await connect(store);
        await store.clients.putClient(serviceClient());
        expect(await second.clients.findClientById('service.client')).toEqual(serviceClient());
        expect(await second.clients.removeClient('service.client')).toBe(true);
        expect(await store.clients.findClientById('service.client')).toBeUndefined();
      },
    );
  });
}
