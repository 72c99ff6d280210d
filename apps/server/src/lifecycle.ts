import { readFileSync } from 'node:fs';
import { IdsrvError } from '@idsrv/model';
import { Option } from 'commander';
import { seconds } from './cli-arguments.ts';
import type { RedisSection } from './redis-section.ts';
// Types only: `check` and `hash-secret` must not load oidc-provider through server.ts.
import type { RunningServer, ServerOptions } from './server.ts';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './shutdown.ts';

/** `serve`'s options for how the process runs: reload, shutdown, TLS and proxies. */
export interface ServeLifecycleCliOptions {
  /** `--watch`/`--no-watch`; undefined: on with the memory store, off on Redis. */
  watch?: boolean;
  /** `--shutdown-timeout`, in seconds. */
  shutdownTimeout: number;
  tlsCert?: string;
  tlsKey?: string;
  trustProxy?: boolean;
}

/** The options, to add to the `serve` command. */
export function serveLifecycleOptions() {
  return {
    watch: new Option(
      '--watch',
      'reload the configuration file when it changes (default: on with the memory store, off with --redis)',
    ),
    noWatch: new Option('--no-watch', 'do not reload the configuration file'),
    shutdownTimeout: new Option(
      '--shutdown-timeout <seconds>',
      'on SIGTERM/SIGINT, how long requests in flight may finish before they are cut off',
    )
      .argParser(seconds)
      .default(DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000)
      .env('IDSRV_SHUTDOWN_TIMEOUT'),
    tlsCert: new Option(
      '--tls-cert <file>',
      'serve HTTPS with this PEM certificate (chain); needs --tls-key',
    ).env('IDSRV_TLS_CERT'),
    tlsKey: new Option('--tls-key <file>', 'the PEM private key of --tls-cert').env('IDSRV_TLS_KEY'),
    trustProxy: new Option(
      '--trust-proxy',
      'trust X-Forwarded-Proto/-Host/-For from a reverse proxy (set IssuerUri to the public URL)',
    ).env('IDSRV_TRUST_PROXY'),
  } satisfies Record<string, Option>;
}

/**
 * The {@link ServerOptions} these CLI options ask for. `--watch` applies to the memory store only: on Redis the
 * clients and resources live in Redis (`idsrv clients import` changes them), so an explicit `--watch` is reported
 * and ignored.
 */
export function lifecycleServerOptions(
  cli: ServeLifecycleCliOptions,
  context: { redis: boolean; environment?: string | undefined; redisSection: RedisSection },
  log: (line: string) => void = console.error,
): Pick<ServerOptions, 'tls' | 'trustProxy' | 'watch'> {
  if (Boolean(cli.tlsCert) !== Boolean(cli.tlsKey))
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      '--tls-cert and --tls-key go together: give both, or neither.',
    );
  if (context.redis && cli.watch)
    log(
      'idsrv: --watch ignored: with --redis, clients and resources live in Redis; use `idsrv clients import` to change them',
    );
  const watch = !context.redis && (cli.watch ?? true);
  return {
    ...(cli.tlsCert && cli.tlsKey
      ? { tls: { cert: readFileSync(cli.tlsCert), key: readFileSync(cli.tlsKey) } }
      : {}),
    ...(cli.trustProxy ? { trustProxy: true } : {}),
    ...(watch
      ? {
          watch: {
            ...(context.environment ? { environment: context.environment } : {}),
            redisSection: context.redisSection,
          },
        }
      : {}),
  };
}

/** Where the lifecycle lines go: the server's logger (`logger.info`/`logger.error`), or the console. */
export interface LifecycleLog {
  info(line: string): void;
  error(line: string): void;
}

/**
 * Stops `running` gracefully on SIGTERM or SIGINT (see {@link RunningServer.shutdown}) and exits 0; a second signal
 * cuts the remaining requests off at once. Should the store or Redis not close, the process exits 1 five seconds
 * after the bound, so an orchestrator's stop never hangs on it.
 */
export function stopOnSignals(
  running: RunningServer,
  timeoutSeconds: number,
  log: LifecycleLog = { info: (line) => console.log(line), error: (line) => console.error(line) },
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.info(`idsrv: ${signal} again: closing the remaining connections now`);
      running.forceShutdown();
      return;
    }
    stopping = true;
    log.info(
      `idsrv: ${signal}: stopped accepting connections, letting requests in flight finish (up to ${timeoutSeconds} s)`,
    );
    setTimeout(
      () => {
        log.error('idsrv: the store did not close in time; exiting');
        process.exit(1);
      },
      timeoutSeconds * 1000 + 5000,
    ).unref();
    running.shutdown({ timeoutMs: timeoutSeconds * 1000 }).then(
      (report) => {
        log.info(
          `idsrv: stopped: ${report.inFlight} request(s) in flight at ${signal}, ${report.finished} finished, ` +
            `${report.cutOff} cut off, in ${report.ms} ms`,
        );
        process.exit(0);
      },
      (error: unknown) => {
        log.error(`idsrv: error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
