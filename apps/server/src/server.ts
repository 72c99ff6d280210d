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
import type Provider from 'oidc-provider';

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

  const store = createMemoryStore({
    clients: options.definitions.clients,
    identityResources: options.definitions.identityResources,
    apiScopes: options.definitions.apiScopes,
    apiResources: options.definitions.apiResources,
  });
  const keys = await signingKeys(options);
  const provider = await createIdsrvProvider({
    issuer,
    clients: store.clients,
    resources: store.resources,
    adapter: store.adapter,
    jwks: { keys: keys.keys } as never,
    ...('cookieKeys' in keys ? { cookieKeys: keys.cookieKeys as string[] } : {}),
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === '/healthz' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return;
    }
    await next();
  });
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
    },
  };
}

async function signingKeys(options: ServerOptions): Promise<SigningKeys & { cookieKeys?: string[] }> {
  if (options.signingKeys) return parseSigningKeys(options.signingKeys.json, options.signingKeys.source);
  const file = join(dirname(options.configFile), 'tempkey.jwk.json');
  return loadOrCreateDevelopmentKeys(file, options.signingAlgorithm ?? 'ES256');
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
