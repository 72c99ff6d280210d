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

  it("runs a path's steps after the rest of the stack, innermost and last-added first, waiting for those that return a promise", async () => {
    const router = pathRouter();
    const seen: string[] = [];
    router.on(['/token'], async (_ctx, next) => {
      seen.push('middleware in');
      await next();
      seen.push('middleware out');
    });
    router.after(['/token'], () => void seen.push('first added'));
    router.after(['/token'], () =>
      new Promise<void>((resolve) => setTimeout(resolve, 5)).then(
        () => void seen.push('second added (async)'),
      ),
    );
    router.after(['/token'], () => void seen.push('third added'));
    await router.middleware(ctx('/token'), async () => void seen.push('provider'));
    expect(seen).toEqual([
      'middleware in',
      'provider',
      'third added',
      'second added (async)',
      'first added',
      'middleware out',
    ]);
  });

  it('skips the steps when the rest of the stack throws, and passes the error on', async () => {
    const router = pathRouter();
    let ran = false;
    router.after(['/token'], () => {
      ran = true;
    });
    await expect(
      router.middleware(ctx('/token'), async () => {
        throw new Error('provider failed');
      }),
    ).rejects.toThrow('provider failed');
    expect(ran).toBe(false);
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
    expect(() => router.after(['/x'], () => {})).toThrow(/after the first request/);
  });
});
