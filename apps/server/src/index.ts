export { loadServerConfiguration, type ServerConfiguration } from './configuration.ts';
export {
  FastHistogram,
  type FastHistogramOptions,
  type HistogramSeries,
} from './observability/fast-histogram.ts';
export {
  type InstrumentProviderOptions,
  instrumentProvider,
  REQUEST_ID_HEADER,
} from './observability/instrument-provider.ts';
export { type LogLevel, toLogLevel } from './observability/log-level.ts';
export { createLogger, type LogFormat, type LoggerOptions, REDACT_PATHS } from './observability/logger.ts';
export {
  createMetrics,
  type IdsrvMetrics,
  type MetricsOptions,
  type MetricsServer,
  serveMetrics,
} from './observability/metrics.ts';
export type { ServerMetricsOptions } from './observability/server-observability.ts';
export { instrumentStore, type StoreObserver, timeAdapterFactory } from './observability/timed-store.ts';
export { type RunningServer, type ServerOptions, startServer } from './server.ts';
