import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import { instrumentProvider } from './instrument-provider.ts';
import { labelledChildren } from './labelled-children.ts';
import { createMetrics, type IdsrvMetrics, type MetricsServer, serveMetrics } from './metrics.ts';
import { instrumentStore } from './timed-store.ts';

/** How `startServer` exposes metrics (its `metrics` option; `false` turns them off). */
export interface ServerMetricsOptions {
  /** The metrics to fill, e.g. on your own registry. @default createMetrics() */
  metrics?: IdsrvMetrics;
  /**
   * Serve `GET /metrics` on this port instead of the main one (0 picks a free one); the main port then has no
   * `/metrics`. @default undefined (on the main port)
   */
  port?: number;
  /** Interface of the metrics port. @default the main port's `host` */
  host?: string;
}

/** The logger and metrics of one running server, as `startServer` wires them. */
export interface ServerObservability {
  readonly logger: Logger | undefined;
  readonly metrics: IdsrvMetrics | undefined;
  /** `http://localhost:{port}/metrics` of the separate metrics port, when there is one. */
  readonly metricsUrl: string | undefined;
  /** The store with its calls timed (the store itself without metrics). */
  instrumentStore<T extends Parameters<typeof instrumentStore>[0]>(store: T): T;
  /** Request logs, request ids, the event listeners and (on the main port) `/metrics`. Before `provider.callback()`. */
  install(provider: Provider): void;
  /** A startup or operational message: to the logger at info, or to stdout without one. */
  log(line: string): void;
  /** Closes the metrics port, if any. */
  close(): Promise<void>;
}

/**
 * Creates what `startServer`'s `logger` and `metrics` options ask for, and opens the separate metrics port when
 * `metrics.port` is set. Without a logger nothing is logged per request; metrics are on unless `metrics` is `false`.
 */
export async function startServerObservability(
  logger: Logger | undefined,
  metricsOption: false | ServerMetricsOptions | undefined,
  host: string | undefined,
): Promise<ServerObservability> {
  const metrics = metricsOption === false ? undefined : (metricsOption?.metrics ?? createMetrics());
  const separate: MetricsServer | undefined =
    metrics && metricsOption && metricsOption.port !== undefined
      ? await serveMetrics(metrics.registry, metricsOption.port, metricsOption.host ?? host)
      : undefined;
  return {
    logger,
    metrics,
    metricsUrl: separate?.url,
    instrumentStore: (store) => {
      if (!metrics) return store;
      // One series per (model, operation): the token endpoint makes several store calls per request.
      const durationOf = labelledChildren(
        (model: string, operation: string) => `${model} ${operation}`,
        (model, operation) => metrics.storeDuration.labels({ model, operation }),
      );
      return instrumentStore(store, (model, operation, seconds) =>
        durationOf(model, operation).observe(seconds),
      );
    },
    install: (provider) => instrumentProvider(provider, { logger, metrics, serveMetrics: !separate }),
    log: (line) => (logger ? logger.info(line.trim()) : console.log(line)),
    close: async () => {
      await separate?.close();
    },
  };
}
