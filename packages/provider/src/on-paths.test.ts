import type { KoaContextWithOIDC } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { pathRouter } from './on-paths.ts';

const ctx = (path: string) => ({ path }) as KoaContextWithOIDC;

describe('pathRouter', () => {
  it("runs a path's middlewares in the order they were added, around the rest of the stack", async () => {
    const router = pathRouter();
    const seen: string[] = [];
    const mark = (name: string) => async (_ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
      seen.push(`${name} in`);
      await next();
      seen.push(`${name} out`);
    };
    router.on(['/token'], mark('a'));
    router.on(['/token', '/other'], mark('b'));
    await router.middleware(ctx('/token'), async () => void seen.push('provider'));
    expect(seen).toEqual(['a in', 'b in', 'provider', 'b out', 'a out']);
    seen.length = 0;
    await router.middleware(ctx('/other'), async () => void seen.push('provider'));
    expect(seen).toEqual(['b in', 'provider', 'b out']);
  });

  it('passes a request to any other path straight on', async () => {
    const router = pathRouter();
    router.on(['/token'], async () => {
      throw new Error('must not run');
    });
    let reached = false;
    await router.middleware(ctx('/authorize'), async () => {
      reached = true;
    });
    expect(reached).toBe(true);
  });

  it('refuses a middleware added after the first request (its chain is already composed)', async () => {
    const router = pathRouter();
    await router.middleware(ctx('/x'), async () => {});
    expect(() => router.on(['/x'], async () => {})).toThrow(/after the first request/);
  });
});
