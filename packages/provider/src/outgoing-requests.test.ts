import { afterEach, describe, expect, it, vi } from 'vitest';
import { loopbackFriendlyFetch } from './outgoing-requests.ts';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('loopbackFriendlyFetch', () => {
  it('drops oidc-provider’s SSRF-protected dispatcher for loopback URLs only', async () => {
    const calls: { url: string; init: Record<string, unknown> }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: Record<string, unknown>) => {
      calls.push({ url: String(url), init });
      return new Response('');
    });
    const dispatcher = { protected: true } as never;
    for (const url of [
      'http://localhost:3000/bc',
      'http://127.0.0.1/bc',
      'http://[::1]:8/bc',
      'https://rp.example/bc',
    ]) {
      await loopbackFriendlyFetch(url, { method: 'POST', dispatcher });
    }
    expect(calls.map((c) => 'dispatcher' in c.init)).toEqual([false, false, false, true]);
    expect(calls.every((c) => c.init.method === 'POST')).toBe(true);
  });
});
