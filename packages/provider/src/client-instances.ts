import type Provider from 'oidc-provider';

interface ClientModel {
  find(id: unknown): Promise<unknown>;
  readonly adapter: {
    find(id: string): Promise<object | undefined>;
    findCached?(id: string): object | undefined;
  };
}

/**
 * Makes `provider.Client.find` reuse its `Client` instances by the identity of the metadata object the `Client`
 * adapter returns.
 *
 * oidc-provider caches adapter-loaded clients by a SHA-256 of `JSON.stringify(metadata)`, computed on every lookup:
 * every request that names a client pays for serialising and hashing its whole metadata. idsrv's `Client` adapter
 * returns the same metadata object for as long as the client's definition is unchanged, and a new object
 * after any change, so the object itself is a cheaper key with the same meaning. A metadata object seen for the first
 * time goes through oidc-provider's own `find` (which validates it and builds the instance) exactly as before.
 *
 * An id the adapter does not know goes to oidc-provider's own `find` unchanged, so clients given statically in the
 * configuration (`configuration.clients`) still resolve; only such ids are looked up in the store twice.
 *
 * When the adapter can answer synchronously (`findCached`, from `ClientStore.findCachedClient`) and the instance is
 * already built, `find` resolves it without going through the adapter's promises.
 */
export function reuseClientInstances(provider: Provider): void {
  const Client = provider.Client as unknown as ClientModel;
  const find = Client.find.bind(Client);
  const instances = new WeakMap<object, unknown>();
  const load = async (id: unknown) => {
    if (typeof id !== 'string' || id.length === 0) return undefined;
    const metadata = await Client.adapter.find(id);
    if (!metadata) return find(id);
    const cached = instances.get(metadata);
    if (cached) return cached;
    const client = await find(id);
    if (client) instances.set(metadata, client);
    return client;
  };
  // Not async: a client the store holds in memory, already built, costs one promise instead of one per layer
  // (Client.find → adapter → store), each of which pays Node's async hooks under oidc-provider's request context.
  Client.find = (id: unknown) => {
    const metadata = typeof id === 'string' && id.length > 0 ? Client.adapter.findCached?.(id) : undefined;
    const cached = metadata && instances.get(metadata);
    return cached ? Promise.resolve(cached) : load(id);
  };
}
