import { z } from 'zod';

/** A pino level name, or `silent` (nothing is logged). */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The level used when neither `--log-level`, `IDSRV_LOG_LEVEL` nor `Logging:LogLevel:Default` sets one. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/**
 * ASP.NET Core's `LogLevel` names (what an IdentityServer host's appsettings.json says) → pino's levels. `Critical` is
 * pino's `fatal`, `None` its `silent`.
 */
export const ASPNET_LOG_LEVELS = {
  trace: 'trace',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  none: 'silent',
} as const satisfies Record<string, LogLevel>;

const PINO_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The pino level a name stands for: ASP.NET's names (`Information`, `Warning`, `Critical`, `None` …) or pino's own
 * (`info`, `warn`, `fatal`, `silent` …), in any case. `undefined` when the name is neither.
 *
 * @example toLogLevel('Warning') // 'warn'
 */
export function toLogLevel(name: string): LogLevel | undefined {
  const lower = name.trim().toLowerCase();
  if (Object.hasOwn(ASPNET_LOG_LEVELS, lower))
    return ASPNET_LOG_LEVELS[lower as keyof typeof ASPNET_LOG_LEVELS];
  return PINO_LEVELS.find((level) => level === lower);
}

/** The sentence that says which names are accepted, for option and configuration errors. */
export const LOG_LEVEL_HINT =
  "a log level is one of Trace, Debug, Information, Warning, Error, Critical, None (or pino's trace, debug, info, warn, error, fatal, silent)";

/**
 * The `Logging` section of appsettings.json, as an ASP.NET Core host has it:
 * `{ "Logging": { "LogLevel": { "Default": "Information" } } }`. Only `LogLevel:Default` is read; other categories
 * (`"Microsoft.AspNetCore": "Warning"`) and other keys (`Console` …) are kept without a warning, so an
 * IdentityServer host's file loads as it is. `Logging__LogLevel__Default=Debug` in the environment works too.
 * Kept free of pino so that reading the configuration (`idsrv check`) loads no logger.
 */
export const loggingSectionSchema = z
  .looseObject({
    logLevel: z
      .looseObject({
        default: z
          .string()
          .refine((value) => toLogLevel(value) !== undefined, {
            message: `unknown log level: ${LOG_LEVEL_HINT}`,
            params: { rule: 'log-level-unknown' },
          })
          .optional(),
      })
      .optional(),
  })
  .optional();

export type LoggingSection = z.output<typeof loggingSectionSchema>;

/**
 * The level to log at: the first of `--log-level` / `IDSRV_LOG_LEVEL` (given as `option`) and the configuration's
 * `Logging:LogLevel:Default` that is set, else {@link DEFAULT_LOG_LEVEL}.
 */
export function resolveLogLevel(option: string | undefined, section: LoggingSection): LogLevel {
  for (const value of [option, section?.logLevel?.default]) {
    if (value === undefined || value === '') continue;
    const level = toLogLevel(value);
    if (level) return level;
  }
  return DEFAULT_LOG_LEVEL;
}
