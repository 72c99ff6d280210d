import type { KoaContextWithOIDC } from 'oidc-provider';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/**
 * Runs `middleware` only for requests to one of `paths`; every other request goes straight on. The pass-through is
 * not an async function, so a request pays no extra promise (and async-context propagation) for each idsrv middleware
 * meant for another endpoint — about a dozen of them sit in front of oidc-provider's router.
 */
export function onPaths(paths: readonly string[], middleware: Middleware) {
  const only = new Set(paths);
  return (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> =>
    only.has(ctx.path) ? middleware(ctx, next) : next();
}
