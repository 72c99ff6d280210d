import type { ApiResource, ApiScope, IdentityResource, Resources } from './resources.ts';
import type { ResourceStore } from './stores.ts';

/** The lookups of a {@link ResourceStore}, answered synchronously from one snapshot of the resources. */
export type ResourceQueries = {
  readonly [K in Exclude<keyof ResourceStore, 'getAllResources' | 'cachedQueries'>]: (
    names: readonly string[],
  ) => Awaited<ReturnType<ResourceStore[K]>>;
};

/** Distinct query results kept per snapshot: the names come from requests, so the memo must not grow without bound. */
const MAX_MEMOIZED = 1_000;

const bySnapshot = new WeakMap<Resources, ResourceQueries>();

/**
 * The `find…` lookups of a {@link ResourceStore} over one immutable snapshot of the resources, built once per
 * snapshot object (stores keep a snapshot until the resources change, then make a new one):
 *
 * - each lookup is by index (name → items), not a scan of every resource, so it costs the same with thousands of
 *   API scopes;
 * - a repeated query (the same names in the same order) returns the same frozen array, so callers may memoize what
 *   they derive from a result by its identity — the token endpoint asks the same questions on every request.
 *   At most {@link MAX_MEMOIZED} distinct queries are kept per snapshot; past that the memo starts over.
 *
 * Results follow the `ResourceStore` contract: items in the snapshot's order, each once, disabled ones included.
 *
 * @example
 * const queries = resourceQueries(snapshot);
 * queries.findApiScopesByName(['api1']) === queries.findApiScopesByName(['api1']); // true
 */
export function resourceQueries(resources: Resources): ResourceQueries {
  let queries = bySnapshot.get(resources);
  if (!queries) {
    queries = buildQueries(resources);
    bySnapshot.set(resources, queries);
  }
  return queries;
}

function buildQueries({ identityResources, apiScopes, apiResources }: Resources): ResourceQueries {
  const position = new Map<object, number>();
  for (const list of [identityResources, apiScopes, apiResources] as readonly { name: string }[][]) {
    for (const [i, item] of list.entries()) position.set(item, i);
  }
  const byName = <T extends { name: string }>(items: readonly T[]) => {
    const index = new Map<string, T[]>();
    for (const item of items) index.set(item.name, [...(index.get(item.name) ?? []), item]);
    return index;
  };
  const resourcesByScope = new Map<string, ApiResource[]>();
  for (const api of apiResources)
    for (const scope of new Set(api.scopes))
      resourcesByScope.set(scope, [...(resourcesByScope.get(scope) ?? []), api]);

  // Items found under any of `names`, each once, in the snapshot's order (as a scan would return them).
  const lookup = <T extends object>(index: Map<string, T[]>) => {
    const memo = new Map<string, readonly T[]>();
    return (names: readonly string[]): T[] => {
      const key = names.join('\u0000');
      let result = memo.get(key);
      if (!result) {
        const found = new Set<T>();
        for (const name of names) for (const item of index.get(name) ?? []) found.add(item);
        result = Object.freeze([...found].sort((a, b) => position.get(a)! - position.get(b)!));
        if (memo.size >= MAX_MEMOIZED) memo.clear();
        memo.set(key, result);
      }
      // The contract's type is a plain array; the value is frozen, and callers treat results as read-only.
      return result as T[];
    };
  };

  return {
    findIdentityResourcesByScopeName: lookup<IdentityResource>(byName(identityResources)),
    findApiScopesByName: lookup<ApiScope>(byName(apiScopes)),
    findApiResourcesByScopeName: lookup<ApiResource>(resourcesByScope),
    findApiResourcesByName: lookup<ApiResource>(byName(apiResources)),
  };
}
