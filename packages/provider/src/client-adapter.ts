import { randomBytes } from 'node:crypto';
import {
  type Client,
  type ClientStore,
  IDSRV_METADATA_PROPERTY,
  type OidcAdapter,
  type OidcPayload,
  type SerializedClient,
  toProviderClientMetadata,
} from '@idsrv/model';
import type { ClientSettingsSource } from './client-settings.ts';
import { idTokenSigningAlgorithm } from './signing-algorithms.ts';

/** A synchronous `find` for what the client store holds in memory (`ClientStore.findCachedClient`). */
export interface CachedClientLookup {
  /** The metadata `find` would resolve to now, or `undefined` when only `find` can tell (I/O, unknown, disabled). */
  findCached(id: string): OidcPayload | undefined;
}

interface Mapped {
  metadata: Record<string, unknown>;
  settings: SerializedClient;
}

/**
 * oidc-provider's `Client` model served from a client store: a disabled or unknown client is `undefined` (so the
 * provider answers `invalid_client`), every other one is mapped by `toProviderClientMetadata`, and its definition is
 * kept for the hooks (see `clientSettings`).
 *
 * Only static scopes stay in the metadata's `scope`; an empty `scope` puts no limit on them in oidc-provider, so the
 * resource-indicator hooks check requested identity scopes against `allowedScopes` themselves.
 *
 * Secrets are hashes, which oidc-provider cannot compare; clients that authenticate with a secret get a random
 * placeholder `client_secret` (one per provider, so oidc-provider's client cache keeps working), and the bridge
 * replaces `compareClientSecret` with the hashed comparison. The placeholder is never compared and, because the bridge
 * allows no HS* algorithm and no symmetric encryption, never used as a key.
 */
export function createClientAdapter(
  store: ClientStore,
  staticScopes: ReadonlySet<string>,
  // The algorithms of the server's signing keys; AllowedIdentityTokenSigningAlgorithms picks among them.
  signingAlgorithms?: readonly string[],
): OidcAdapter & ClientSettingsSource & CachedClientLookup {
  const placeholder = randomBytes(32).toString('base64url');
  // Stores return the same object while a client is unchanged, so the mapping runs once per client version.
  const mapped = new WeakMap<Client, Mapped>();
  const latest = new Map<string, SerializedClient>();

  const map = (client: Client): Mapped => {
    const { [IDSRV_METADATA_PROPERTY]: settings, ...standard } = toProviderClientMetadata(client);
    const metadata: Record<string, unknown> = standard;
    const scope = String(metadata.scope)
      .split(' ')
      .filter((s) => staticScopes.has(s))
      .join(' ');
    // oidc-provider's client `scope` may only name its static scopes; API scopes are enforced by the hooks.
    if (scope) metadata.scope = scope;
    else delete metadata.scope;
    if (metadata.token_endpoint_auth_method === 'client_secret_basic') metadata.client_secret = placeholder;
    if (signingAlgorithms) {
      const alg = idTokenSigningAlgorithm(client, signingAlgorithms);
      if (alg !== undefined) metadata.id_token_signed_response_alg = alg;
    }
    return { metadata, settings };
  };

  const readOnly = async (): Promise<never> => {
    throw new Error('idsrv clients are managed through the client store, not through oidc-provider');
  };

  const metadataOf = (id: string, client: Client): OidcPayload => {
    let entry = mapped.get(client);
    if (!entry) {
      entry = map(client);
      mapped.set(client, entry);
    }
    latest.set(id, entry.settings);
    return entry.metadata as OidcPayload;
  };

  return {
    async find(id) {
      const client = await store.findClientById(id);
      if (!client?.enabled) {
        latest.delete(id);
        return undefined;
      }
      return metadataOf(id, client);
    },
    findCached(id) {
      const client = store.findCachedClient?.(id);
      // Unknown here, or disabled: `find` answers (and forgets the client's settings).
      return client?.enabled ? metadataOf(id, client) : undefined;
    },
    settingsFor: (clientId) => latest.get(clientId),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    upsert: readOnly,
    insert: readOnly,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => undefined,
  };
}
