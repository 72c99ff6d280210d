import { type IdsrvStore, ModelValidationError, validateDefinitions } from '@idsrv/model';
import {
  createMemoryAdapter,
  type MemoryAdapterFactory,
  type MemoryAdapterOptions,
} from './memory-adapter.ts';
import { createMemoryClientStore, type MemoryClientStoreOptions } from './memory-client-store.ts';
import { createMemoryResourceStore, type MemoryResourceStoreOptions } from './memory-resource-store.ts';

/**
 * Options of {@link createMemoryStore}: the definitions to start with (from code, or `@idsrv/config-loader`'s
 * output) and the adapter's limits.
 */
export interface MemoryStoreOptions
  extends MemoryClientStoreOptions,
    MemoryResourceStoreOptions,
    MemoryAdapterOptions {}

/** What {@link createMemoryStore} returns: an {@link IdsrvStore} whose adapter also reports `stats()`. */
export interface MemoryStore extends IdsrvStore {
  readonly adapter: MemoryAdapterFactory;
}

/**
 * Creates an idsrv store held in this process's memory: a client store, a resource store and an oidc-provider
 * adapter. For development, tests and single-process deployments that accept losing sessions and tokens on
 * restart. Every call has its own state.
 *
 * The definitions are validated together with `@idsrv/model`'s `validateDefinitions`: each client's rules,
 * duplicate ids and names, and (when resources are given) every client's `allowedScopes`.
 *
 * @throws {ModelValidationError} listing every problem in the definitions.
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when an adapter option is out of range.
 * @example
 * const store = createMemoryStore({
 *   clients: [defineClient({ clientId: 'svc', clientSecrets: [{ value: sha256('secret') }],
 *     allowedGrantTypes: GrantTypes.ClientCredentials, allowedScopes: ['api1'] })],
 *   apiScopes: [{ name: 'api1' }],
 * });
 * const provider = new Provider('https://id.example.com', { adapter: store.adapter });
 * // on shutdown
 * await store.dispose();
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const { clients, identityResources, apiScopes, apiResources, ...adapterOptions } = options;
  const { definitions, issues } = validateDefinitions({
    clients: [...(clients ?? [])],
    identityResources: [...(identityResources ?? [])],
    apiScopes: [...(apiScopes ?? [])],
    apiResources: [...(apiResources ?? [])],
  });
  if (!definitions) throw new ModelValidationError(issues, { subject: 'memory store definitions' });

  // The parts re-validate their share, which changes nothing for definitions that passed the check above.
  const adapter = createMemoryAdapter(adapterOptions);
  return {
    clients: createMemoryClientStore({ clients: definitions.clients }),
    resources: createMemoryResourceStore(definitions),
    adapter,
    async dispose() {
      adapter.dispose();
    },
  } satisfies MemoryStore;
}
