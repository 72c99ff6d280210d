import {
  type Client,
  type ClientInput,
  deepFreeze,
  ModelValidationError,
  type MutableClientStore,
  validateClientDefinition,
  validateDefinitions,
} from '@idsrv/model';

/** Default page size of `listClients`. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page `listClients` returns, whatever `limit` asks for. */
export const MAX_LIST_LIMIT = 1000;

/** Options of {@link createMemoryClientStore}. */
export interface MemoryClientStoreOptions {
  /**
   * Clients to start with: written in code (`defineClient(…)`, or plain `ClientInput` objects) or loaded by
   * `@idsrv/config-loader`. They are validated together (duplicate ids are an error) and stored with every default
   * applied. @default []
   */
  clients?: readonly ClientInput[];
}

/**
 * Creates an in-memory {@link MutableClientStore}. Clients are validated and copied on the way in, kept deep-frozen,
 * and handed out as they are (read-only, the same object while unchanged); ids are compared exactly.
 *
 * `putClient` checks each client's own rules but not its `allowedScopes` against the resource store: at run time
 * scopes may be defined after the clients that use them. `createMemoryStore` checks scopes for the clients it is
 * seeded with.
 *
 * @throws {ModelValidationError} when a seed client is invalid.
 * @example
 * const clients = createMemoryClientStore({ clients: [defineClient({ clientId: 'svc', … })] });
 * await clients.findClientById('svc');
 */
export function createMemoryClientStore(options: MemoryClientStoreOptions = {}): MutableClientStore {
  const byId = new Map<string, Client>();
  if (options.clients && options.clients.length > 0) {
    const { definitions, issues } = validateDefinitions({ clients: [...options.clients] });
    if (!definitions) throw new ModelValidationError(issues, { subject: 'memory store clients' });
    for (const client of definitions.clients) byId.set(client.clientId, deepFreeze(structuredClone(client)));
  }

  return {
    async findClientById(clientId) {
      // The stored object itself, frozen: no copy on the token endpoint's hot path, and the same object while the
      // client is unchanged, so the provider bridge can cache its mapping by identity.
      return byId.get(clientId);
    },

    // Everything is in memory: the same answer as findClientById, without a promise.
    findCachedClient: (clientId) => byId.get(clientId),

    async putClient(client) {
      const { client: valid, issues } = validateClientDefinition(client);
      if (!valid) {
        const id = (client as { clientId?: unknown } | null)?.clientId;
        throw new ModelValidationError(issues, { subject: `client '${String(id)}'` });
      }
      // The validated value is a fresh object (defaults applied), but nested values such as secret dates may still
      // be the caller's: copy so later changes to the argument do not reach the store.
      byId.set(valid.clientId, deepFreeze(structuredClone(valid)));
    },

    async removeClient(clientId) {
      return byId.delete(clientId);
    },

    async listClients(listOptions = {}) {
      const limit = listOptions.limit ?? DEFAULT_LIST_LIMIT;
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new RangeError(`listClients: limit must be a whole number of at least 1, got ${String(limit)}`);
      }
      const pageSize = Math.min(limit, MAX_LIST_LIMIT);
      // Ids in code-unit order, resuming after the last id of the previous page: a client added or removed between
      // two pages does not shift the others, unlike an offset would.
      const after = listOptions.cursor === undefined ? undefined : decodeCursor(listOptions.cursor);
      const ids = [...byId.keys()].filter((id) => after === undefined || id > after).sort();
      const page = ids.slice(0, pageSize);
      const clients = page.map((id) => byId.get(id)!);
      const last = page.at(-1);
      return ids.length > pageSize && last !== undefined
        ? { clients, cursor: encodeCursor(last) }
        : { clients };
    },
  } satisfies MutableClientStore;
}

// The cursor is opaque to callers; base64url keeps any client id (spaces, slashes, unicode) safe in a query string.
const encodeCursor = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');
const decodeCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');
