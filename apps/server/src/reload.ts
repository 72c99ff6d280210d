import { isDeepStrictEqual } from 'node:util';
import { formatProblem, watchConfiguration } from '@idsrv/config-loader';
import {
  type Client,
  type Definitions,
  ModelValidationError,
  type ResourceStore,
  validateDefinitions,
} from '@idsrv/model';
import {
  createMemoryResourceStore,
  createMemoryStore,
  type MemoryAdapterOptions,
  type MemoryStore,
} from '@idsrv/store-memory';
import { type ServerConfiguration, serverLoadOptions, toServerConfiguration } from './configuration.ts';
import type { ConfigurationState } from './readiness.ts';

/** What one reload changed. */
export interface DefinitionsChange {
  /** Client ids, in the file's order. */
  clients: { added: string[]; changed: string[]; removed: string[] };
  /** The API scopes or API resources differ: the resource store was replaced. */
  apiResources: boolean;
  /**
   * The identity resources differ from those the server started with. They are not applied: oidc-provider's `scopes`
   * and `claims` are fixed when it is built, so the server keeps the ones it started with until it restarts.
   */
  identityResourcesNeedRestart: boolean;
}

/** A memory store whose definitions can be replaced while it serves. */
export interface ReloadableMemoryStore {
  readonly store: MemoryStore;
  /**
   * Brings the store to `next`: puts new and changed clients, removes deleted ones, and replaces the API scopes and
   * API resources. `next` is validated first, against the identity resources in force, and nothing is applied when it
   * has a problem.
   * @throws {ModelValidationError} listing every problem; the store is unchanged.
   */
  apply(next: Definitions): Promise<DefinitionsChange>;
}

/**
 * The server's memory store for `serve --watch`. The memory resource store is read-only by design (deep-frozen, no
 * copies on the token endpoint's hot path), so instead of mutating it this delegates to one that is swapped whole on a
 * reload; clients go through the client store's own `putClient`/`removeClient`, each of which is atomic.
 */
export function createReloadableMemoryStore(
  definitions: Definitions,
  limits: MemoryAdapterOptions = {},
): ReloadableMemoryStore {
  const base = createMemoryStore({ ...limits, ...definitions });
  const identityResources = definitions.identityResources;
  let resources: ResourceStore = base.resources;
  let current = definitions;

  const store: MemoryStore = {
    ...base,
    resources: {
      findIdentityResourcesByScopeName: (names) => resources.findIdentityResourcesByScopeName(names),
      findApiScopesByName: (names) => resources.findApiScopesByName(names),
      findApiResourcesByScopeName: (names) => resources.findApiResourcesByScopeName(names),
      findApiResourcesByName: (names) => resources.findApiResourcesByName(names),
      getAllResources: () => resources.getAllResources(),
      // The snapshot in service now; a reload replaces `resources`, so this follows it.
      cachedQueries: () => resources.cachedQueries?.(),
    } satisfies ResourceStore,
  };

  // Reloads are applied one at a time, in the order they were read.
  let queue: Promise<unknown> = Promise.resolve();

  const applyNow = async (next: Definitions): Promise<DefinitionsChange> => {
    const { definitions: valid, issues } = validateDefinitions({
      clients: [...next.clients],
      identityResources: [...identityResources],
      apiScopes: [...next.apiScopes],
      apiResources: [...next.apiResources],
    });
    if (!valid) throw new ModelValidationError(issues, { subject: 'configuration', pathStyle: 'pascal' });

    const change: DefinitionsChange = {
      clients: { added: [], changed: [], removed: [] },
      apiResources:
        !isDeepStrictEqual(current.apiScopes, next.apiScopes) ||
        !isDeepStrictEqual(current.apiResources, next.apiResources),
      identityResourcesNeedRestart: !isDeepStrictEqual(identityResources, next.identityResources),
    };
    // Every change below is made before the first await: the memory store's puts and removes take effect when called,
    // so the edit lands in one turn of the event loop and no request sees part of it (a client changed and the next
    // not yet, a client before the scopes it was given, or scopes gone before the client that used them).
    if (change.apiResources)
      resources = createMemoryResourceStore({
        identityResources,
        apiScopes: next.apiScopes,
        apiResources: next.apiResources,
      });
    const before = new Map<string, Client>(current.clients.map((c) => [c.clientId, c]));
    const writes: Promise<unknown>[] = [];
    for (const client of next.clients) {
      const old = before.get(client.clientId);
      before.delete(client.clientId);
      if (old && isDeepStrictEqual(old, client)) continue;
      writes.push(base.clients.putClient(client));
      (old ? change.clients.changed : change.clients.added).push(client.clientId);
    }
    for (const clientId of before.keys()) {
      writes.push(base.clients.removeClient(clientId));
      change.clients.removed.push(clientId);
    }
    current = { ...next, identityResources };
    // Validated above, so these do not reject; awaited so that one that did would not pass unseen.
    await Promise.all(writes);
    return change;
  };

  return {
    store,
    apply(next) {
      const result = queue.then(() => applyNow(next));
      queue = result.catch(() => {});
      return result;
    },
  };
}

/** Options of {@link watchServerConfiguration}. */
export interface WatchServerConfigurationOptions {
  /** What the server started with, beside the definitions (which `target` holds). */
  running: Pick<ServerConfiguration, 'file' | 'issuerUri' | 'redis'> & { testUsers: readonly unknown[] };
  /** `--environment`: `appsettings.{name}.json` is watched too. */
  environment?: string | undefined;
  /** The store to apply valid edits to. */
  target: ReloadableMemoryStore;
  /** Where reloads and rejected edits are reported. @default console */
  log?: { info(line: string): void; error(line: string): void };
  /** Quiet time after the last file event before reloading, in ms. @default 100 */
  debounceMs?: number;
}

/** A running `serve --watch`. */
export interface ServerConfigurationWatcher {
  /** For `/readyz`. */
  state(): ConfigurationState;
  /** Settles once the first read of the file has been compared with the running configuration. */
  readonly ready: Promise<void>;
  close(): void;
}

/**
 * Watches the server's configuration file (IdentityServer's `reloadOnChange`) and applies each valid edit to the
 * memory store without a restart: new clients, changed clients (scopes, secrets, `Enabled: false`…), removed clients,
 * API scopes and API resources. An invalid edit is logged with every problem and changes nothing; the last valid
 * configuration keeps serving. Identity resources, `IssuerUri`, `TestUsers` and `Redis` are read at start only: a
 * change to them is logged as needing a restart.
 */
export function watchServerConfiguration(
  options: WatchServerConfigurationOptions,
): ServerConfigurationWatcher {
  const log = options.log ?? { info: console.log, error: console.error };
  const { running, target } = options;
  const file = running.file;
  let state: ConfigurationState = { status: 'valid', watching: true, loadedAt: new Date().toISOString() };
  const reject = (message: string) => {
    state = { ...state, status: 'invalid', rejectedAt: new Date().toISOString() };
    log.error(`idsrv: configuration change ignored, the running configuration is unchanged: ${message}`);
  };

  const watcher = watchConfiguration(
    {
      ...serverLoadOptions(file, options.environment),
      ...(options.debounceMs ? { debounceMs: options.debounceMs } : {}),
    },
    (loaded) => {
      const next = toServerConfiguration(file, loaded);
      for (const warning of loaded.warnings) log.error(`warning: ${formatProblem(warning)}`);
      const restart = [
        next.issuerUri !== running.issuerUri && 'IssuerUri',
        !isDeepStrictEqual(next.testUsers, running.testUsers) && 'TestUsers',
        !isDeepStrictEqual(next.redis, running.redis) && 'Redis',
      ].filter(Boolean);
      void target.apply(next.definitions).then(
        (change) => {
          state = { status: 'valid', watching: true, loadedAt: new Date().toISOString() };
          if (change.identityResourcesNeedRestart) restart.push('IdentityResources');
          const summary = describeChange(change);
          if (summary) log.info(`idsrv: configuration reloaded from ${file}: ${summary}`);
          if (restart.length > 0)
            log.error(`idsrv: ${restart.join(', ')} changed in ${file}: restart the server to apply`);
        },
        (error: unknown) => reject((error as Error).message),
      );
    },
    (error) => reject((error as Error).message),
  );

  return {
    state: () => state,
    ready: watcher.ready,
    close: () => watcher.close(),
  };
}

function describeChange(change: DefinitionsChange): string {
  const parts: string[] = [];
  const { added, changed, removed } = change.clients;
  if (added.length > 0) parts.push(`client(s) added: ${added.join(', ')}`);
  if (changed.length > 0) parts.push(`client(s) changed: ${changed.join(', ')}`);
  if (removed.length > 0) parts.push(`client(s) removed: ${removed.join(', ')}`);
  if (change.apiResources) parts.push('API scopes and API resources replaced');
  return parts.join('; ');
}
