import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createLoginThrottle } from '@idsrv/interactions';
import type { Definitions } from '@idsrv/model';
import {
  checkIdTokenSigningAlgorithms,
  createIdsrvProvider,
  keyRingJwks,
  loadOrCreateDevelopmentKeys,
  parseSigningKeys,
  type SigningAlgorithm,
  type SigningKeys,
} from '@idsrv/provider';
import { createMemoryStore } from '@idsrv/store-memory';
import type { TestUserInput } from '@idsrv/users';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import { createServerInteractions } from './interactions.ts';
import { developmentKeyFile, fileKeyRingStore, redisKeyRingStore, watchKeyRing } from './key-ring.ts';
import { watchMemoryStore } from './observability/metrics.ts';
import { type ServerMetricsOptions, startServerObservability } from './observability/server-observability.ts';
import { type ConfigurationState, probeRoutes } from './readiness.ts';
import { openRedisBackend, type RedisServerOptions, withSharedDPoPNonce } from './redis.ts';
import type { RedisSection } from './redis-section.ts';
import {
  createReloadableMemoryStore,
  type ServerConfigurationWatcher,
  watchServerConfiguration,
} from './reload.ts';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, type DrainReport, trackRequests } from './shutdown.ts';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Validated definitions (from `@idsrv/config-loader` or code). */
  definitions: Definitions;
  /** The configuration file, whose folder holds the development key file. */
  configFile: string;
  /** TCP port; 0 picks a free one. @default 5000 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' is not used: the default is all interfaces, like Kestrel's. */
  host?: string;
  /** The issuer; empty means `http://localhost:{port}`, like IdentityServer's inference from the request. */
  issuerUri?: string;
  /** A private JWKS (JSON text) for production; without it a development key is created beside the config. */
  signingKeys?: { json: string; source: string };
  /** Algorithm of the development key. @default 'ES256' */
  signingAlgorithm?: SigningAlgorithm;
  /** Users who can sign in on the login page (the `TestUsers` section). @default [] */
  testUsers?: readonly TestUserInput[];
  /**
   * Keep clients, resources, sessions, grants and tokens in Redis, shared by every instance on the same Redis and key
   * prefix (see `./redis.ts`); without it, the memory store. @default undefined
   */
  redis?: RedisServerOptions;
  /**
   * Limits of the memory store (without `redis`): at most `maxEntries` sessions, grants, codes and tokens are held,
   * the soonest-expiring evicted first when full (see `@idsrv/store-memory`). @default { maxEntries: 100_000 }
   */
  memory?: { maxEntries?: number };
  /**
   * Terminate TLS: PEM certificate (chain) and private key, as given to `https.createServer`. Without it, plain HTTP
   * (behind a TLS-terminating proxy, with {@link trustProxy}). @default undefined
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Trust `X-Forwarded-Proto`/`-Host`/`-For` from a reverse proxy (oidc-provider's `provider.proxy`): requests the
   * proxy received over HTTPS count as secure (Secure cookies). Only behind a proxy that sets these headers itself.
   * @default false
   */
  trustProxy?: boolean;
  /**
   * Reload the configuration file when it changes and apply valid edits without a restart (memory store only: on
   * Redis, clients and resources live in Redis and `clients import` changes them). @default undefined (no watch)
   */
  watch?: { environment?: string | undefined; debounceMs?: number; redisSection?: RedisSection };
  /**
   * Structured logs (`createLogger()` of `./observability/logger.ts`): one line per request with its request id,
   * client, grant type, outcome and duration, and server errors. @default undefined (no request logs)
   */
  logger?: Logger;
  /**
   * Prometheus metrics at `GET /metrics` (see `./observability/metrics.ts`), on the main port or on `port`; `false`
   * turns them off. @default {} (on the main port)
   */
  metrics?: false | ServerMetricsOptions;
}

/** A running server. */
export interface RunningServer {
  url: string;
  issuer: string;
  provider: Provider;
  server: Server | HttpsServer;
  /** The separate metrics port's URL (`metrics.port`); undefined when `/metrics` is on the main port or off. */
  metricsUrl?: string | undefined;
  /** Stops at once: open connections are closed, in-flight requests are cut off. For tests and embedding. */
  close(): Promise<void>;
  /**
   * Stops gracefully (SIGTERM/SIGINT): stops accepting connections, answers `/readyz` with 503, lets requests in
   * flight finish for up to `timeoutMs`, closes the rest, then disposes the store and closes Redis.
   */
  shutdown(options?: { timeoutMs?: number }): Promise<DrainReport>;
  /** Ends a running {@link shutdown}'s wait now (a second signal). */
  forceShutdown(): void;
}

/**
 * Starts idsrv: definitions → memory store → oidc-provider (through `@idsrv/provider`) → HTTP, with `GET /healthz`.
 * Resolves once the server listens.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key })
    : createServer();
  // Every request is counted for the graceful shutdown before it is handled (one listener does both).
  const requests = trackRequests(server);
  // The port opens before the provider exists (a port of 0 names the issuer), so until it does every request gets a
  // prompt 503 rather than waiting unanswered; then the provider — or after a key rotation, the next one — serves.
  let handler: RequestListener = startingUp;
  server.on('request', (req, res) => {
    requests.track(res);
    handler(req, res);
  });
  const port = await listen(server, options.port ?? 5000, options.host);
  const scheme = options.tls ? 'https' : 'http';
  const issuer = (options.issuerUri || `${scheme}://localhost:${port}`).replace(/\/+$/, '');
  const observability = await startServerObservability(options.logger, options.metrics, options.host).catch(
    (error: unknown) => {
      server.close();
      throw error;
    },
  );

  const backend = options.redis
    ? await openRedisBackend({
        redis: options.redis,
        definitions: options.definitions,
        log: (line) => observability.log(line),
      }).catch((error: unknown) => {
        server.close();
        void observability.close();
        throw error;
      })
    : undefined;
  // With --watch the memory store's definitions can be replaced while it serves (see ./reload.ts).
  const reloadable =
    !backend && options.watch ? createReloadableMemoryStore(options.definitions, options.memory) : undefined;
  // With metrics, every store call is timed (idsrv_store_operation_duration_seconds).
  const memoryStore = backend
    ? undefined
    : (reloadable?.store ?? createMemoryStore({ ...options.memory, ...options.definitions }));
  const store = observability.instrumentStore((backend?.store ?? memoryStore)!);
  // The memory store's size against its cap, at each scrape (idsrv_memory_store_records …).
  if (memoryStore && observability.metrics) watchMemoryStore(observability.metrics, memoryStore.adapter);
  // On Redis, every instance uses the cookie keys and DPoP nonce secret stored there, and the signing keys too unless
  // keys are configured, so tokens, cookies and DPoP nonces of one instance are valid on all.
  const shared = backend ? await backend.sharedKeys(options.signingAlgorithm ?? 'ES256') : undefined;
  const keys =
    shared && !options.signingKeys
      ? shared
      : { ...(await signingKeys(options)), ...(shared ? { cookieKeys: shared.cookieKeys } : {}) };
  const watcher: ServerConfigurationWatcher | undefined =
    reloadable && options.watch
      ? watchServerConfiguration({
          running: {
            file: options.configFile,
            issuerUri: options.issuerUri || undefined,
            testUsers: options.testUsers ?? [],
            redis: options.watch.redisSection,
          },
          environment: options.watch.environment,
          target: reloadable,
          // Reloads at info level, rejected edits at error level in the structured log when there is one.
          ...(options.logger ? { log: levelled(options.logger) } : {}),
          ...(options.watch.debounceMs ? { debounceMs: options.watch.debounceMs } : {}),
        })
      : undefined;
  await watcher?.ready;
  const startedAt = new Date().toISOString();
  const staticConfiguration: ConfigurationState = { status: 'valid', watching: false, loadedAt: startedAt };
  // Signing keys come from a key ring — the development key file, or the shared keys in Redis — unless configured.
  // oidc-provider fixes its keys when it is built, so when the ring changes (`idsrv keys rotate`, a key's activation
  // time) a new provider over the same stores is built and takes the next requests (see ./key-ring.ts).
  const keyRing = options.signingKeys
    ? undefined
    : backend
      ? redisKeyRingStore(backend)
      : fileKeyRingStore(developmentKeyFile(options.configFile));
  // Failed sign-ins, on the login page and with the password grant against one limit, kept across provider rebuilds
  // (key rotation). On Redis every instance counts in Redis: N instances do not give an attacker N times the limit.
  const loginThrottle = backend ? backend.store.createLoginThrottle() : createLoginThrottle();
  const buildProvider = async (jwks: { keys: JWK[] }) => {
    const { users, interactions } = createServerInteractions(options.testUsers ?? [], store, loginThrottle);
    const provider = await createIdsrvProvider({
      issuer,
      clients: store.clients,
      resources: store.resources,
      adapter: store.adapter,
      jwks: jwks as never,
      ...('cookieKeys' in keys ? { cookieKeys: keys.cookieKeys as string[] } : {}),
      users,
      configuration: withSharedDPoPNonce(interactions.configuration, shared),
      // A loopback issuer is a development setup, whose relying parties (and back-channel logout URIs) are local too.
      allowLoopbackRequests: isLoopbackIssuer(issuer),
      passwordGrant: { throttle: loginThrottle },
    });
    interactions.mount(provider);
    // Request ids, request logs and metrics: first in the middleware chain, whatever is added after.
    observability.install(provider);
    // GET /healthz and GET /readyz.
    provider.use(
      probeRoutes({
        backend,
        signingKeys: () => jwks.keys.length,
        configuration: () => watcher?.state() ?? staticConfiguration,
        draining: () => requests.draining,
      }) as never,
    );
    // Behind a TLS-terminating proxy: koa then takes the protocol, host and client IP from X-Forwarded-*.
    if (options.trustProxy) provider.proxy = true;
    return provider;
  };
  const initialJwks = keyRing ? keyRingJwks(keys, Date.now()) : { keys: keys.keys };
  try {
    // AllowedIdentityTokenSigningAlgorithms that no signing key can honour stop the server here, every client named.
    checkIdTokenSigningAlgorithms(options.definitions.clients, initialJwks);
  } catch (error) {
    server.close();
    watcher?.close();
    await store.dispose();
    await backend?.close();
    await observability.close();
    throw error;
  }
  let provider = await buildProvider(initialJwks);
  handler = provider.callback();
  const keyWatch = keyRing
    ? watchKeyRing({
        store: keyRing,
        ring: keys,
        log: (line) => observability.log(line),
        async apply(jwks) {
          provider = await buildProvider(jwks);
          handler = provider.callback();
        },
      })
    : undefined;

  const release = async () => {
    watcher?.close();
    await keyWatch?.close();
    await store.dispose();
    await backend?.close();
    await observability.close();
  };
  return {
    url: `${scheme}://localhost:${port}`,
    issuer,
    // The provider in service now: a key rotation replaces it.
    get provider() {
      return provider;
    },
    server,
    metricsUrl: observability.metricsUrl,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
    async shutdown(shutdownOptions = {}) {
      watcher?.close();
      const report = await requests.drain(shutdownOptions.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
      await release();
      return report;
    },
    forceShutdown: () => requests.force(),
  };
}

async function signingKeys(options: ServerOptions): Promise<SigningKeys & { cookieKeys?: string[] }> {
  if (options.signingKeys) return parseSigningKeys(options.signingKeys.json, options.signingKeys.source);
  const file = join(dirname(options.configFile), 'tempkey.jwk.json');
  return loadOrCreateDevelopmentKeys(file, options.signingAlgorithm ?? 'ES256');
}

/** The answer while the server starts: 503 with `Retry-After`, as RFC 6749 JSON (`temporarily_unavailable`). */
function startingUp(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store', 'retry-after': '1' });
  res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'the server is starting' }));
}

function levelled(logger: Logger) {
  return { info: (line: string) => logger.info(line), error: (line: string) => logger.error(line) };
}

function isLoopbackIssuer(issuer: string): boolean {
  return /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(new URL(issuer).hostname);
}

function listen(server: Server | HttpsServer, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
