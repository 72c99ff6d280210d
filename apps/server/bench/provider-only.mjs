// @idsrv/provider alone: createIdsrvProvider over a memory store holding the sample configuration's definitions,
// served by a plain node:http server — no request ids, logs, metrics, login pages, health or readiness routes.
// Between the bare oidc-provider and apps/server, it shows how much of the gap is the bridge and how much the server.
// Prints its URL when listening.
import { createServer } from 'node:http';
import { createIdsrvProvider, generateSigningKey } from '@idsrv/provider';
import { createMemoryStore } from '@idsrv/store-memory';
import { loadServerConfiguration } from '../dist/index.js';

const config = process.env.BENCH_CONFIG ?? new URL('../appsettings.json', import.meta.url).pathname;
const { definitions } = await loadServerConfiguration(config);
const store = createMemoryStore(definitions);
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://localhost:${server.address().port}`;
const provider = await createIdsrvProvider({
  issuer,
  clients: store.clients,
  resources: store.resources,
  adapter: store.adapter,
  jwks: { keys: [await generateSigningKey(process.env.BENCH_ALG ?? 'ES256')] },
});
server.on('request', provider.callback());
console.log(`listening on ${issuer}`);
process.once('SIGINT', () => process.exit(0));
