import { InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
// Types only: `check` and `hash-secret` load neither pino nor prom-client.
import { port } from '../cli-arguments.ts';
import type { ServerOptions } from '../server.ts';
import { LOG_LEVEL_HINT, type LoggingSection, resolveLogLevel, toLogLevel } from './log-level.ts';
import type { LogFormat } from './logger.ts';

/** `serve`'s options for logs and metrics, as commander parses them. */
export interface ServeObservabilityCliOptions {
  /** `--log-level` / `IDSRV_LOG_LEVEL`, already checked. */
  logLevel?: string;
  /** `--log-format` / `IDSRV_LOG_FORMAT`; undefined: pretty on a terminal, else JSON. */
  logFormat?: LogFormat;
  /** `--no-metrics` makes it false. */
  metrics: boolean;
  /** `--metrics-port` / `IDSRV_METRICS_PORT`. */
  metricsPort?: number;
  /** `--no-metrics-client-id` makes it false. */
  metricsClientId: boolean;
}

const logLevel = (value: string) => {
  if (!toLogLevel(value)) throw new InvalidArgumentError(LOG_LEVEL_HINT);
  return value;
};

/** The options, to add to the `serve` command. */
export function serveObservabilityOptions() {
  return {
    logLevel: new Option(
      '--log-level <level>',
      'Trace, Debug, Information, Warning, Error, Critical or None (default: Logging:LogLevel:Default, else Information)',
    )
      .argParser(logLevel)
      .env('IDSRV_LOG_LEVEL'),
    logFormat: new Option(
      '--log-format <format>',
      'json, or pretty for people (default: pretty on a terminal)',
    )
      .choices(['json', 'pretty'])
      .env('IDSRV_LOG_FORMAT'),
    metricsPort: new Option(
      '--metrics-port <port>',
      'serve GET /metrics on this port instead of the main one (0 picks a free one)',
    )
      .argParser(port)
      .env('IDSRV_METRICS_PORT'),
    noMetrics: new Option('--no-metrics', 'serve no Prometheus metrics'),
    noMetricsClientId: new Option(
      '--no-metrics-client-id',
      'leave client_id empty in idsrv_tokens_issued_total (for thousands of clients)',
    ),
  } satisfies Record<string, Option>;
}

/**
 * The logger (level from `--log-level`/`IDSRV_LOG_LEVEL`, else the configuration's `Logging:LogLevel:Default`, else
 * info) and the {@link ServerOptions} `logger` and `metrics` these CLI options ask for.
 */
export async function observabilityServerOptions(
  cli: ServeObservabilityCliOptions,
  logging: LoggingSection,
): Promise<Required<Pick<ServerOptions, 'logger' | 'metrics'>> & { logger: Logger }> {
  const [{ createLogger }, { createMetrics }] = await Promise.all([
    import('./logger.ts'),
    import('./metrics.ts'),
  ]);
  const logger = createLogger({
    level: resolveLogLevel(cli.logLevel, logging),
    ...(cli.logFormat ? { format: cli.logFormat } : {}),
  });
  const metrics = cli.metrics
    ? {
        metrics: createMetrics({ clientIdLabel: cli.metricsClientId }),
        ...(cli.metricsPort !== undefined ? { port: cli.metricsPort } : {}),
      }
    : (false as const);
  return { logger, metrics };
}
