import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Definitions } from '@idsrv/model';
import {
  createIdsrvProvider,
  loadOrCreateDevelopmentKeys,
  parseSigningKeys,
  type SigningAlgorithm,
  type SigningKeys,
} from '@idsrv/provider';
import { createMemoryStore } from '@idsrv/store-memory';
import type { TestUserInput } from '@idsrv/users';
import type Provider from 'oidc-provider';
import { createServerInteractions } from './interactions.ts';
import { openRedisBackend, type RedisServerOptions, readinessRoute, withSharedDPoPNonce } from './redis.ts';

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
}

/** A running server. */
export interface RunningServer {
  url: string;
  issuer: string;
  provider: Provider;
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts idsrv: definitions → memory store → oidc-provider (through `@idsrv/provider`) → HTTP, with `GET /healthz`.
 * Resolves once the server listens.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = createServer();
  const port = await listen(server, options.port ?? 5000, options.host);
  const issuer = (options.issuerUri || `http://localhost:${port}`).replace(/\/+$/, '');

  const backend = options.redis
    ? await openRedisBackend({
        redis: options.redis,
        definitions: options.definitions,
        log: (line) => console.log(line),
      }).catch((error: unknown) => {
        server.close();
        throw error;
      })
    : undefined;
  const store =
    backend?.store ??
    createMemoryStore({
      clients: options.definitions.clients,
      identityResources: options.definitions.identityResources,
      apiScopes: options.definitions.apiScopes,
      apiResources: options.definitions.apiResources,
    });
  // On Redis, every instance uses the cookie keys and DPoP nonce secret stored there, and the signing keys too unless
  // keys are configured, so tokens, cookies and DPoP nonces of one instance are valid on all.
  const shared = backend ? await backend.sharedKeys(options.signingAlgorithm ?? 'ES256') : undefined;
  const keys =
    shared && !options.signingKeys
      ? shared
      : { ...(await signingKeys(options)), ...(shared ? { cookieKeys: shared.cookieKeys } : {}) };
  const { users, interactions } = createServerInteractions(options.testUsers ?? [], store);
  const provider = await createIdsrvProvider({
    issuer,
    clients: store.clients,
    resources: store.resources,
    adapter: store.adapter,
    jwks: { keys: keys.keys } as never,
    ...('cookieKeys' in keys ? { cookieKeys: keys.cookieKeys as string[] } : {}),
    users,
    configuration: withSharedDPoPNonce(interactions.configuration, shared),
    // A loopback issuer is a development setup, whose relying parties (and back-channel logout URIs) are local too.
    allowLoopbackRequests: isLoopbackIssuer(issuer),
  });
  interactions.mount(provider);
  provider.use(async (ctx, next) => {
    if (ctx.path === '/healthz' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return;
    }
    await next();
  });
  provider.use(readinessRoute(backend) as never);
  server.on('request', provider.callback());

  return {
    url: `http://localhost:${port}`,
    issuer,
    provider,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.dispose();
      await backend?.close();
    },
  };
}

async function signingKeys(options: ServerOptions): Promise<SigningKeys & { cookieKeys?: string[] }> {
  if (options.signingKeys) return parseSigningKeys(options.signingKeys.json, options.signingKeys.source);
  const file = join(dirname(options.configFile), 'tempkey.jwk.json');
  return loadOrCreateDevelopmentKeys(file, options.signingAlgorithm ?? 'ES256');
}

function isLoopbackIssuer(issuer: string): boolean {
  return /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(new URL(issuer).hostname);
}

function listen(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
