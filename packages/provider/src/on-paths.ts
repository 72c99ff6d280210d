import compose from 'koa-compose';
import type { KoaContextWithOIDC } from 'oidc-provider';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/** idsrv's middlewares by endpoint, mounted as one middleware: see {@link pathRouter}. */
export interface PathRouter {
  /** Adds `middleware` to the chain of each of `paths`; chains run in the order middlewares were added. */
  on(paths: readonly string[], middleware: Middleware): void;
  /** The one middleware to mount (`provider.use(router.middleware)`). */
  readonly middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;
}

/**
 * idsrv's endpoint middlewares (error answers, lifetimes, introspection, device polling …) as one middleware in
 * front of oidc-provider's router. A request to a path none of them is for goes straight on: one map lookup, no
 * promise or async frame of its own. A request to an endpoint runs that endpoint's chain, composed once on the first
 * request (the chains are complete by then: they are filled while the provider is set up). Mounting each middleware
 * separately put a dozen filters, each reading `ctx.path`, in front of every request.
 */
export function pathRouter(): PathRouter {
  const byPath = new Map<string, Middleware[]>();
  let chains: Map<string, Middleware> | undefined;
  return {
    on(paths, middleware) {
      if (chains) throw new Error('pathRouter: middleware added after the first request');
      for (const path of paths) byPath.set(path, [...(byPath.get(path) ?? []), middleware]);
    },
    middleware(ctx, next) {
      chains ??= new Map([...byPath].map(([path, list]) => [path, compose(list) as Middleware]));
      const chain = chains.get(ctx.path);
      return chain ? chain(ctx, next) : next();
    },
  };
}
