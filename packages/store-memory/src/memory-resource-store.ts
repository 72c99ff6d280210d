import {
  type ApiResourceInput,
  type ApiScopeInput,
  deepFreeze,
  type IdentityResourceInput,
  ModelValidationError,
  type ResourceStore,
  type Resources,
  resourceQueries,
  validateDefinitions,
} from '@idsrv/model';

/** Options of {@link createMemoryResourceStore}: the resources it holds, fixed for its lifetime. */
export interface MemoryResourceStoreOptions {
  /** Identity resources (`IdentityResources.OpenId()`, …). @default [] */
  identityResources?: readonly IdentityResourceInput[];
  /** API scopes. @default [] */
  apiScopes?: readonly ApiScopeInput[];
  /** API resources; each of their `scopes` must be one of `apiScopes`. @default [] */
  apiResources?: readonly ApiResourceInput[];
}

/**
 * Creates an in-memory, read-only {@link ResourceStore}. The resources are validated together (duplicate names,
 * an identity resource and an API scope sharing a name, API resources naming unknown scopes) and stored with every
 * default applied. Results are read-only: the resources are deep-frozen and returned without copying.
 *
 * @throws {ModelValidationError} listing every problem in the resources.
 * @example
 * const resources = createMemoryResourceStore({
 *   identityResources: [IdentityResources.OpenId(), IdentityResources.Profile()],
 *   apiScopes: [{ name: 'api1' }],
 * });
 */
export function createMemoryResourceStore(options: MemoryResourceStoreOptions = {}): ResourceStore {
  const { definitions, issues } = validateDefinitions({
    identityResources: [...(options.identityResources ?? [])],
    apiScopes: [...(options.apiScopes ?? [])],
    apiResources: [...(options.apiResources ?? [])],
  });
  if (!definitions) throw new ModelValidationError(issues, { subject: 'memory store resources' });
  // Frozen and handed out as they are: the token endpoint reads resources on every request, so no copies.
  const { identityResources, apiScopes, apiResources } = deepFreeze(definitions);

  // Indexed, with repeated queries answering the same frozen array (see resourceQueries).
  const queries = resourceQueries({ identityResources, apiScopes, apiResources });

  return {
    async findIdentityResourcesByScopeName(scopeNames) {
      return queries.findIdentityResourcesByScopeName(scopeNames);
    },

    async findApiScopesByName(scopeNames) {
      return queries.findApiScopesByName(scopeNames);
    },

    async findApiResourcesByScopeName(scopeNames) {
      return queries.findApiResourcesByScopeName(scopeNames);
    },

    async findApiResourcesByName(apiResourceNames) {
      return queries.findApiResourcesByName(apiResourceNames);
    },

    cachedQueries: () => queries,

    async getAllResources(): Promise<Resources> {
      return {
        identityResources: [...identityResources],
        apiScopes: [...apiScopes],
        apiResources: [...apiResources],
      };
    },
  } satisfies ResourceStore;
}
