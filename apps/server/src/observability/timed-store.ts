import type { ClientStore, IdsrvStore, OidcAdapterFactory, ResourceStore } from '@idsrv/model';

/** Receives the duration of one store call, in seconds. */
export type StoreObserver = (model: string, operation: string, seconds: number) => void;

// Lookups that are synchronous by contract (`ClientStore.findCachedClient`, `ResourceStore.cachedQueries`): memory
// reads with nothing to time, made several times per token request.
const SYNCHRONOUS = new Set(['findCachedClient', 'cachedQueries']);

/**
 * `target` with each method that returns a promise timed: `observe(model, method, seconds)` runs when the promise
 * settles, fulfilled or rejected (a slow failure is exactly what store latency should show). Methods run on the
 * original object, so stores that keep state on `this` work unchanged; other properties pass through.
 *
 * The caller gets the store's own promise back; the timing hangs off it on a side branch. (`result.finally(...)`
 * would put three more promises and a microtask hop between every store call and its caller, on the token
 * endpoint's hot path.)
 *
 * The result is an object whose prototype is a Proxy of `target`: the first access to a method goes through the
 * Proxy, which defines the method (timed, or for the synchronous lookups just bound) as an own property of the
 * result, so every later call is a plain property read. (A Proxy alone runs its `get` trap on every access; the
 * token endpoint reads the store's methods several times per request.) Other properties are read through the Proxy
 * each time, so they stay live.
 */
function timed<T extends object>(target: T, model: string, observe: StoreObserver): T {
  const front: Record<string, unknown> = Object.create(
    new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        const method = value as (...args: unknown[]) => unknown;
        const wrapper = SYNCHRONOUS.has(property)
          ? method.bind(object)
          : (...args: unknown[]) => {
              const started = performance.now();
              const result = method.apply(object, args);
              if (!(result instanceof Promise)) return result;
              const done = () => observe(model, property, (performance.now() - started) / 1000);
              // Both outcomes are handled here, so the branch itself can never be an unhandled rejection; the
              // caller still sees (and must handle) the store's rejection on `result`.
              result.then(done, done);
              return result;
            };
        Object.defineProperty(front, property, { value: wrapper, writable: false, enumerable: false });
        return wrapper;
      },
    }),
  );
  return front as T;
}

/**
 * Times every call of the oidc-provider adapters the factory creates (`upsert`, `find`, `consume`, `destroy`,
 * `revokeByGrantId`, `findByUid`, `findByUserCode`), labelled with the model name the factory was called with
 * (`AccessToken`, `Session`, `Grant` …). The adapters are the store's own; nothing is cached or changed.
 *
 * @example
 * const provider = new Provider(issuer, { adapter: timeAdapterFactory(store.adapter, (m, op, s) => hist.observe({ m, op }, s)) });
 */
export function timeAdapterFactory(factory: OidcAdapterFactory, observe: StoreObserver): OidcAdapterFactory {
  // An arrow function, like the stores' factories: oidc-provider calls a non-constructor once per model name.
  return (modelName) => timed(factory(modelName), modelName, observe);
}

/**
 * The store with its oidc-provider adapters, its client store (model `Client`) and its resource store (model
 * `Resource`) timed — what the token service calls on every request — and everything else (`dispose`, a Redis store's
 * extras) as it is. The result has the store's own type.
 */
export function instrumentStore<T extends Pick<IdsrvStore, 'clients' | 'resources' | 'adapter'>>(
  store: T,
  observe: StoreObserver,
): T {
  const clients = timed<ClientStore>(store.clients, 'Client', observe);
  const resources = timed<ResourceStore>(store.resources, 'Resource', observe);
  const adapter = timeAdapterFactory(store.adapter, observe);
  const replaced: Record<PropertyKey, unknown> = { clients, resources, adapter };
  return new Proxy(store, {
    get(object, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property];
      const value: unknown = Reflect.get(object, property, object);
      // Methods such as dispose() keep their own `this`.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
    },
  });
}
