import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram.ts';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** The registry to register on; pass your own to expose idsrv's metrics beside yours. @default a new `Registry` */
  registry?: Registry;
  /** Also collect prom-client's default process metrics (CPU, memory, event loop lag, GC). @default true */
  defaultMetrics?: boolean;
  /**
   * Label `idsrv_tokens_issued_total` with the client id. The label only ever holds ids of clients that authenticated
   * and got a token (never an id a caller merely sent), so its cardinality is the number of active clients; turn it
   * off (the label is then empty) when that is too many series for your Prometheus, e.g. thousands of clients.
   * @default true
   */
  clientIdLabel?: boolean;
}

/** idsrv's Prometheus metrics, on one registry. */
export interface IdsrvMetrics {
  readonly registry: Registry;
  /** Whether `client_id` is filled in (see {@link MetricsOptions.clientIdLabel}). */
  readonly clientIdLabel: boolean;
  /** `idsrv_tokens_issued_total{grant_type,client_id}`: successful token responses. */
  readonly tokensIssued: Counter<'grant_type' | 'client_id'>;
  /** `idsrv_oauth_errors_total{endpoint,error}`: OAuth error answers, by endpoint and RFC 6749 error code. */
  readonly oauthErrors: Counter<'endpoint' | 'error'>;
  /** `idsrv_http_request_duration_seconds{route,method,status}`: every HTTP request, by endpoint name. */
  readonly requestDuration: FastHistogram<'route' | 'method' | 'status'>;
  /** `idsrv_store_operation_duration_seconds{model,operation}`: each store call, by oidc-provider model. */
  readonly storeDuration: FastHistogram<'model' | 'operation'>;
}

/** Store calls are mostly sub-millisecond in memory and a few ms on Redis; the buckets resolve both. */
const STORE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Token requests take a few ms (signing) to tens of ms (RS256, Redis); pages and back-channel calls longer. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Creates idsrv's metrics on a registry of their own (every call has its own, so two servers in one process do not
 * share counters). Wire them with `startServer({ metrics: { metrics } })`, or `instrumentProvider` and
 * `instrumentStore` on a provider of your own.
 *
 * @example
 * const metrics = createMetrics({ clientIdLabel: false });
 * console.log(await metrics.registry.metrics());
 */
export function createMetrics(options: MetricsOptions = {}): IdsrvMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    clientIdLabel: options.clientIdLabel ?? true,
    tokensIssued: new Counter({
      name: 'idsrv_tokens_issued_total',
      help: 'Tokens issued (successful token endpoint responses, and implicit/hybrid authorization responses), by grant type and client.',
      labelNames: ['grant_type', 'client_id'],
      registers,
    }),
    oauthErrors: new Counter({
      name: 'idsrv_oauth_errors_total',
      help: 'OAuth error answers, by endpoint and error code (invalid_client, invalid_grant, server_error, ...).',
      labelNames: ['endpoint', 'error'],
      registers,
    }),
    requestDuration: new FastHistogram({
      name: 'idsrv_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by endpoint name (not raw path), method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    storeDuration: new FastHistogram({
      name: 'idsrv_store_operation_duration_seconds',
      help: 'Store call duration in seconds, by oidc-provider model (Session, AccessToken, Client, ...) and operation.',
      labelNames: ['model', 'operation'],
      buckets: STORE_BUCKETS,
      registers,
    }),
  };
}

/** The Prometheus text exposition of `registry`, as an HTTP response (GET/HEAD only). */
export async function writeMetrics(
  registry: Registry,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A listener that serves only `GET /metrics`: the separate metrics port. */
export interface MetricsServer {
  /** `http://localhost:{port}/metrics` */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` of `registry` on its own port (everything else is 404), so that the scrape endpoint can stay
 * on an internal interface while the token service is public.
 */
export function serveMetrics(registry: Registry, port: number, host?: string): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    writeMetrics(registry, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      resolve({
        url: `http://localhost:${actual}/metrics`,
        server,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}

/** What {@link watchMemoryStore} reads: `@idsrv/store-memory`'s adapter `stats()`. */
export interface MemoryStoreStats {
  stats(): { records: number; recordsByModel: Record<string, number>; maxEntries: number; evicted: number };
}

/**
 * Gauges of the memory store, read when Prometheus scrapes: records held against the cap, records evicted to make
 * room, and sessions held (the one store that can count them cheaply; see the README for Redis). They show that the
 * store stays bounded under load (and when the cap is too small for it).
 */
export function watchMemoryStore(metrics: IdsrvMetrics, adapter: MemoryStoreStats): void {
  new Gauge({
    name: 'idsrv_memory_store_records',
    help: 'Sessions, grants, codes and tokens held by the memory store (including expired ones not yet reclaimed)',
    registers: [metrics.registry],
    collect() {
      this.set(adapter.stats().records);
    },
  });
  new Gauge({
    name: 'idsrv_active_sessions',
    help: 'Sessions held by the memory store (expired ones go at the next sweep, within a minute)',
    registers: [metrics.registry],
    collect() {
      this.set(adapter.stats().recordsByModel.Session ?? 0);
    },
  });
  new Gauge({
    name: 'idsrv_memory_store_max_records',
    help: 'The memory store cap (maxEntries)',
    registers: [metrics.registry],
    collect() {
      this.set(adapter.stats().maxEntries);
    },
  });
  new Gauge({
    name: 'idsrv_memory_store_evicted',
    help: 'Records the memory store evicted to make room since it started (a counter)',
    registers: [metrics.registry],
    collect() {
      this.set(adapter.stats().evicted);
    },
  });
}
