import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MemoryStore } from '@idsrv/store-memory';
import type Provider from 'oidc-provider';
import { afterEach } from 'vitest';
import { createIdsrvProvider, generateSigningKey, type IdsrvProviderOptions } from '../src/index.ts';

const running: { server: Server; store: MemoryStore }[] = [];
// Every test file that serves providers through this module closes them, and their stores, after each test.
afterEach(async () => {
  for (const { server, store } of running.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.dispose();
  }
});

/** What {@link serveProvider} passes on to `createIdsrvProvider` (issuer, stores and keys have defaults). */
export type ServeOptions = Partial<IdsrvProviderOptions>;

/**
 * A real provider over `store` on a free loopback port, with a fresh ES256 key unless `options.jwks` is given.
 * `build` replaces `createIdsrvProvider` (e.g. `buildProviderConfiguration` + `installIdsrv`).
 */
export async function serveProvider(
  store: MemoryStore,
  options: ServeOptions = {},
  build: (options: IdsrvProviderOptions) => Promise<Provider> = createIdsrvProvider,
): Promise<{ issuer: string; provider: Provider }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ server, store });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = await build({
    issuer,
    clients: store.clients,
    resources: store.resources,
    adapter: store.adapter,
    jwks: { keys: [(await generateSigningKey('ES256')) as never] },
    ...options,
  });
  server.on('request', provider.callback());
  return { issuer, provider };
}
