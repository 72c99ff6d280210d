import { type FSWatcher, watch as watchDirectory } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { z } from 'zod';
import {
  evaluate,
  type LoadConfigurationOptions,
  type LoadedConfiguration,
  overlayPath,
  readSnapshot,
  type SectionSchemas,
} from './load.ts';

/** {@link LoadConfigurationOptions} and how quickly to react to a change. */
export interface WatchConfigurationOptions<S extends SectionSchemas = SectionSchemas>
  extends LoadConfigurationOptions<S> {
  /**
   * Milliseconds to wait after the last file event before reloading: an editor's save is often several events
   * (write, rename, chmod), and they should give one reload.
   * @default 100
   */
  debounceMs?: number | undefined;
}

/** A running watch. */
export interface ConfigurationWatcher<S extends SectionSchemas = SectionSchemas> {
  /** The configuration in force: the last one that was valid, or `undefined` while none has been. */
  readonly current: LoadedConfiguration<S> | undefined;
  /** Settles once the first load has been handed to `onChange` or `onError`. */
  readonly ready: Promise<void>;
  /** Stops watching. Idempotent. */
  close(): void;
}

/**
 * Loads the configuration, then watches its files (`appsettings.json` and the environment overlay) and reloads on
 * every change. A reload that is valid is handed to `onChange` and becomes `current`; one that is not is handed to
 * `onError` (a {@link ConfigError} or {@link ConfigNotFoundError}) and the last good configuration stays in force.
 * A save that leaves the files as they were is not reported again.
 *
 * The directory is watched rather than the file, because editors save by writing a new file and renaming it over
 * the old one, which ends a watch on the file itself. Environment variables are read at each reload.
 *
 * @example
 * const watcher = watchConfiguration(
 *   { file: 'appsettings.json', environment: 'Development' },
 *   (config) => clientStore.replaceAll(config.clients),
 *   (error) => log.error(error.message),
 * );
 * process.on('SIGTERM', () => watcher.close());
 */
export function watchConfiguration<S extends SectionSchemas = Record<never, z.ZodType>>(
  options: WatchConfigurationOptions<S>,
  onChange: (configuration: LoadedConfiguration<S>) => void,
  onError: (error: unknown) => void,
): ConfigurationWatcher<S> {
  const file = resolve(options.file);
  const names = new Set([basename(file)]);
  if (options.environment) names.add(basename(overlayPath(file, options.environment)));
  const debounceMs = options.debounceMs ?? 100;

  let current: LoadedConfiguration<S> | undefined;
  let lastKey: string | undefined;
  let closed = false;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const reload = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const snapshot = await readSnapshot({ ...options, file });
      if (closed || snapshot.key === lastKey) return;
      lastKey = snapshot.key;
      const configuration = evaluate(snapshot, { ...options, file });
      current = configuration;
      onChange(configuration);
    } catch (error) {
      // A missing file (mid-rename) is not a content: the next event must be able to report the same text again.
      if ((error as { code?: unknown }).code === 'ERR_CONFIG_NOT_FOUND') lastKey = undefined;
      if (!closed) onError(error);
    } finally {
      running = false;
      if (again && !closed) {
        again = false;
        schedule();
      }
    }
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  };

  const watcher: FSWatcher = watchDirectory(dirname(file), (_event, filename) => {
    // Some platforms give no file name; reload then, rather than miss a change.
    if (filename && !names.has(filename.toString())) return;
    schedule();
  });
  watcher.on('error', (error) => {
    if (!closed) onError(error);
  });

  return {
    get current() {
      return current;
    },
    ready: reload(),
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
