import type { Client } from './client.ts';
import type { ApiResource, ApiScope, IdentityResource, Resources } from './resources.ts';

/**
 * Where the token service finds clients (IdentityServer's `IClientStore`). Implementations: `@idsrv/store-memory`,
 * `@idsrv/store-redis`.
 *
 * Stores hold clients that passed validation; they return them with every default applied.
 */
export interface ClientStore {
  /**
   * The client with this id, or `undefined` when there is none. A disabled client is returned as it is (with
   * `enabled: false`): hiding it is the token service's job, so that administration tools can still see it.
   * Ids are compared exactly (case-sensitive).
   */
  findClientById(clientId: string): Promise<Client | undefined>;
}

/**
 * A client store that can be changed at run time (administration, `clients import`).
 * Each method is atomic for the one client it names.
 */
export interface MutableClientStore extends ClientStore {
  /** Validates and stores the client, replacing any client with the same id. @throws {ModelValidationError} */
  putClient(client: Client): Promise<void>;
  /** Removes the client; resolves to whether there was one. */
  removeClient(clientId: string): Promise<boolean>;
  /**
   * One page of clients in no particular order. Pass the returned `cursor` back to get the next page; a page without
   * a `cursor` is the last. A client changed during the listing may appear on two pages or not at all.
   */
  listClients(options?: { cursor?: string; limit?: number }): Promise<{ clients: Client[]; cursor?: string }>;
}

/**
 * Where the token service finds identity resources, API scopes and API resources (IdentityServer's
 * `IResourceStore`). Names are compared exactly; disabled resources are returned and filtered by the caller.
 */
export interface ResourceStore {
  /** Identity resources whose `name` is one of `scopeNames`. */
  findIdentityResourcesByScopeName(scopeNames: readonly string[]): Promise<IdentityResource[]>;
  /** API scopes whose `name` is one of `scopeNames`. */
  findApiScopesByName(scopeNames: readonly string[]): Promise<ApiScope[]>;
  /** API resources whose `scopes` contain any of `scopeNames`. */
  findApiResourcesByScopeName(scopeNames: readonly string[]): Promise<ApiResource[]>;
  /** API resources whose `name` is one of `apiResourceNames`. */
  findApiResourcesByName(apiResourceNames: readonly string[]): Promise<ApiResource[]>;
  /** Everything, for the discovery document and administration. */
  getAllResources(): Promise<Resources>;
}
