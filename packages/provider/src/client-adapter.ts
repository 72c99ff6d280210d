import { randomBytes } from 'node:crypto';
import {
  type Client,
  type ClientStore,
  type OidcAdapter,
  type OidcPayload,
  type ProviderClientMetadata,
  toProviderClientMetadata,
} from '@idsrv/model';

/**
 * oidc-provider's `Client` model served from a client store: a disabled or unknown client is `undefined` (so the
 * provider answers `invalid_client`), every other one is mapped by `toProviderClientMetadata`.
 *
 * Only static scopes stay in the metadata's `scope`; an empty `scope` puts no limit on them in oidc-provider, so the
 * resource-indicator hooks check requested identity scopes against `allowedScopes` themselves.
 *
 * Secrets are hashes, which oidc-provider cannot compare; clients that authenticate with a secret get a random
 * placeholder `client_secret` (one per provider, so oidc-provider's client cache keeps working), and the bridge
 * replaces `compareClientSecret` with the hashed comparison. The placeholder is never compared and, because the bridge
 * allows no HS* algorithm and no symmetric encryption, never used as a key.
 */
export function createClientAdapter(store: ClientStore, staticScopes: ReadonlySet<string>): OidcAdapter {
  const placeholder = randomBytes(32).toString('base64url');
  // Mapping is pure, so a store that returns the same object for an unchanged client maps it once.
  const cache = new WeakMap<Client, ProviderClientMetadata & { client_secret?: string }>();

  const readOnly = async (): Promise<never> => {
    throw new Error('idsrv clients are managed through the client store, not through oidc-provider');
  };

  return {
    async find(id) {
      const client = await store.findClientById(id);
      if (!client?.enabled) return undefined;
      let metadata = cache.get(client);
      if (!metadata) {
        metadata = toProviderClientMetadata(client);
        // oidc-provider's client `scope` may only name its static scopes (openid, offline_access, identity
        // resources); API scopes are enforced by the resource-indicator hooks instead.
        const scope = metadata.scope
          .split(' ')
          .filter((s) => staticScopes.has(s))
          .join(' ');
        if (scope) metadata.scope = scope;
        else delete (metadata as { scope?: string }).scope;
        if (metadata.token_endpoint_auth_method === 'client_secret_basic')
          metadata.client_secret = placeholder;
        cache.set(client, metadata);
      }
      return metadata as unknown as OidcPayload;
    },
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    upsert: readOnly,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => undefined,
  };
}
