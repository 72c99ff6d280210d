import compose from 'koa-compose';
import type { KoaContextWithOIDC } from 'oidc-provider';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;
/** Work on a handled request (its response already set); returns a promise only when it has something to wait for. */
export type AfterStep = (ctx: KoaContextWithOIDC) => void | Promise<unknown>;

/** idsrv's middlewares by endpoint, mounted as one middleware: see {@link pathRouter}. */
export interface PathRouter {
  /** Adds `middleware` to the chain of each of `paths`; chains run in the order middlewares were added. */
  on(paths: readonly string[], middleware: Middleware): void;
  /**
   * Adds `step` to run on each of `paths` once the rest of the stack (oidc-provider) has handled the request, to
   * inspect or rewrite its response. A path's steps run innermost — before the code after `await next()` of any of
   * its middlewares — and in reverse order of adding (the last added runs first, as a middleware added last would).
   * They do not run when the rest of the stack throws. All of a path's steps share one promise: a step that
   * returns none costs none.
   */
  after(paths: readonly string[], step: AfterStep): void;
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
  const stepsByPath = new Map<string, AfterStep[]>();
  let chains: Map<string, Middleware> | undefined;
  const refuseAfterStart = () => {
    if (chains) throw new Error('pathRouter: middleware added after the first request');
  };
  const compile = () => {
    const paths = new Set([...byPath.keys(), ...stepsByPath.keys()]);
    return new Map(
      [...paths].map((path) => {
        const list = [...(byPath.get(path) ?? [])];
        const steps = stepsByPath.get(path);
        if (steps) list.push(afterStage([...steps].reverse()));
        return [path, compose(list) as Middleware];
      }),
    );
  };
  return {
    on(paths, middleware) {
      refuseAfterStart();
      for (const path of paths) byPath.set(path, [...(byPath.get(path) ?? []), middleware]);
    },
    after(paths, step) {
      refuseAfterStart();
      for (const path of paths) stepsByPath.set(path, [...(stepsByPath.get(path) ?? []), step]);
    },
    middleware(ctx, next) {
      chains ??= compile();
      const chain = chains.get(ctx.path);
      return chain ? chain(ctx, next) : next();
    },
  };
}

/** The innermost middleware of a path: the rest of the stack, then its steps in order, in a single `.then`. */
function afterStage(steps: readonly AfterStep[]): Middleware {
  const run = (ctx: KoaContextWithOIDC, from: number): void | Promise<unknown> => {
    for (let i = from; i < steps.length; i++) {
      const pending = steps[i]!(ctx);
      if (pending) return pending.then(() => run(ctx, i + 1));
    }
    return undefined;
  };
  return (ctx, next) => next().then(() => run(ctx, 0) as Promise<void> | undefined);
}
