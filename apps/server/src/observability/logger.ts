import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { DEFAULT_LOG_LEVEL, type LogLevel } from './log-level.ts';

/** How log lines are written: one JSON object a line, or coloured text for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default 'info' */
  level?: LogLevel;
  /**
   * `pretty` for people (pino-pretty, in process), `json` for log collectors.
   * @default 'pretty' when stdout is a terminal, else 'json'
   */
  format?: LogFormat;
  /** Where lines go (tests pass an in-memory stream); pretty text is written to it too. @default stdout */
  destination?: DestinationStream;
}

/**
 * Paths pino replaces with `[Redacted]` whatever is logged. The server never logs headers, bodies or query strings in
 * the first place; this list is the second line of defence, for a future `log.info({ req })` or a parameter bag logged
 * while debugging. (No bare `code` or `*.code`: that is also an error's stable code, `err.code`, which must stay.)
 */
export const REDACT_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["dpop"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'client_secret',
  '*.client_secret',
  'client_assertion',
  '*.client_assertion',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'id_token',
  '*.id_token',
  'id_token_hint',
  '*.id_token_hint',
  'code_verifier',
  '*.code_verifier',
  'params.code',
  'body.code',
  'query.code',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

/**
 * An error as a log line carries it: its class, message, stable `code` and stack, and the same of its `cause`. Not
 * pino's standard serializer, which copies every enumerable property: an ioredis error carries the failed command with
 * its arguments (a token's key and payload), and oidc-provider errors carry request details.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: serializeError(error.cause, depth + 1) } : {}),
  };
}

/**
 * The server's pino logger: levels as names (`"level":"info"`), ISO times, {@link REDACT_PATHS} redacted, errors
 * through {@link serializeError}. Pretty output runs pino-pretty in the same process (synchronously, no worker
 * thread), which is fine for a developer's terminal; production logs should stay JSON.
 *
 * @example
 * const log = createLogger({ level: 'debug', format: 'json' });
 * log.info({ port: 5000 }, 'idsrv listening on http://localhost:5000');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  // Asynchronous stdout: pino flushes it on process exit.
  const json = options.destination ?? pino.destination({ dest: 1, sync: false });
  const destination =
    format === 'pretty'
      ? pinoPretty({
          colorize: !options.destination && process.stdout.isTTY === true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
          // pino-pretty pipes into a stream; a bare `{ write }` destination (tests) is wrapped into one.
          destination:
            'on' in json
              ? json
              : new Writable({ write: (chunk, _enc, done) => done(void json.write(String(chunk))) }),
        })
      : json;
  return pino(
    {
      level: options.level ?? DEFAULT_LOG_LEVEL,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Only `err`: the request line's `error` is an OAuth error code, a string.
      serializers: { err: serializeError },
      redact: { paths: [...REDACT_PATHS], censor: '[Redacted]' },
    },
    destination,
  );
}
