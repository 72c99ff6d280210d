import { IdsrvError } from '@idsrv/model';
import { type ConfigProblem, formatProblem } from './problems.ts';

/**
 * The configuration is invalid: it could not be parsed, or it breaks the model's rules. Carries every problem
 * found, not only the first, and the warnings gathered on the way (unknown keys, secrets hashed at load).
 *
 * @example
 * try {
 *   await loadConfiguration({ file: 'appsettings.json' });
 * } catch (error) {
 *   if (error instanceof IdsrvError && error.code === 'ERR_CONFIG_INVALID') console.error(error.message);
 * }
 */
export class ConfigError extends IdsrvError {
  override readonly code = 'ERR_CONFIG_INVALID' as const;
  /** Every problem, ordered by file and line (values from environment variables last). */
  readonly problems: ConfigProblem[];
  /** Everything worth saying that did not stop the load: unknown keys, plain secrets hashed at load … */
  readonly warnings: ConfigProblem[];

  constructor(problems: ConfigProblem[], warnings: ConfigProblem[] = [], options?: { cause?: unknown }) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    const lines = problems.map((p) => `  ${formatProblem(p)}`);
    const warningLines =
      warnings.length > 0
        ? [`Warnings (${warnings.length}):`, ...warnings.map((w) => `  ${formatProblem(w)}`)]
        : [];
    super(
      'ERR_CONFIG_INVALID',
      [`Invalid configuration: ${count}`, ...lines, ...warningLines].join('\n'),
      options,
    );
    this.name = 'ConfigError';
    this.problems = problems;
    this.warnings = warnings;
  }
}

/** The configuration file does not exist (or cannot be read). Environment overlay files are optional and never cause it. */
export class ConfigNotFoundError extends IdsrvError {
  override readonly code = 'ERR_CONFIG_NOT_FOUND' as const;
  /** The absolute path that was looked for. */
  readonly file: string;

  constructor(file: string, options?: { cause?: unknown }) {
    super(
      'ERR_CONFIG_NOT_FOUND',
      `Configuration file not found: ${file}. Create it, or pass the path of an existing appsettings.json.`,
      options,
    );
    this.name = 'ConfigNotFoundError';
    this.file = file;
  }
}
