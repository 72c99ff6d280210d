import { randomBytes } from 'node:crypto';
import {
  type ApiResource,
  clientSchema,
  type OidcAdapter,
  type OidcPayload,
  type ResourceStore,
  type SerializedClient,
  serializeClient,
} from '@idsrv/model';
import Provider from 'oidc-provider';
import type { CachedClientLookup } from './client-adapter.ts';
import type { ClientSettingsSource } from './client-settings.ts';

/** What the wrapped `Client` adapter adds: which callers are API resources rather than clients. */
export interface IntrospectionClientSource extends ClientSettingsSource {
  /** The API resource that authenticated as `clientId` at the introspection endpoint, if that caller is one. */
  apiResourceFor(clientId: string): ApiResource | undefined;
}

interface PseudoClient {
  metadata: OidcPayload;
  settings: SerializedClient;
}

/**
 * Lets API resources authenticate at the introspection endpoint, as IdentityServer's do: HTTP Basic with the API
 * resource's name and one of its `ApiSecrets`. oidc-provider only knows clients, so the `Client` adapter also resolves
 * the name of an enabled API resource that has secrets (and is not the id of an enabled client, which always wins) to an
 * introspection-only pseudo-client — no grant types, no response types, no redirect URIs — whose secret is checked by
 * the same hashed comparison as client secrets (its `ApiSecrets` stand in for `ClientSecrets`).
 *
 * The pseudo-client exists only while oidc-provider handles an introspection request (read from oidc-provider's
 * request context, `Provider.ctx`): at every other endpoint an API name is an unknown client (`invalid_client`), so an
 * API resource can never revoke, request tokens or start an authorization.
 */
export function withIntrospectionClients(
  clients: OidcAdapter & ClientSettingsSource & CachedClientLookup,
  resources: ResourceStore,
): OidcAdapter & IntrospectionClientSource & CachedClientLookup {
  // Never compared (the hashed comparison replaces oidc-provider's), but client_secret_basic needs a value.
  const placeholder = randomBytes(32).toString('base64url');
  const mapped = new WeakMap<ApiResource, PseudoClient>();
  const apis = new Map<string, { api: ApiResource; settings: SerializedClient }>();

  const pseudoClient = (api: ApiResource): PseudoClient => {
    let entry = mapped.get(api);
    if (!entry) {
      const settings = serializeClient(
        clientSchema.parse({ clientId: api.name, clientSecrets: api.apiSecrets, allowedGrantTypes: [] }),
      );
      entry = {
        settings,
        metadata: {
          client_id: api.name,
          client_secret: placeholder,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: [],
          response_types: [],
          redirect_uris: [],
        },
      };
      mapped.set(api, entry);
    }
    return entry;
  };

  return {
    ...clients,
    async find(id) {
      const client = await clients.find(id);
      if (client || !isIntrospectionRequest()) {
        apis.delete(id);
        return client;
      }
      const [api] = await resources.findApiResourcesByName([id]);
      if (!api?.enabled || api.name !== id || api.apiSecrets.length === 0) {
        apis.delete(id);
        return undefined;
      }
      const { metadata, settings } = pseudoClient(api);
      apis.set(id, { api, settings });
      return metadata;
    },
    // A known, enabled client always wins over an API resource of the same name, as in `find`.
    findCached(id) {
      const client = clients.findCached(id);
      if (client) apis.delete(id);
      return client;
    },
    settingsFor: (clientId) => apis.get(clientId)?.settings ?? clients.settingsFor(clientId),
    apiResourceFor: (clientId) => apis.get(clientId)?.api,
  };
}

function isIntrospectionRequest(): boolean {
  const ctx = Provider.ctx as { oidc?: { route?: string } } | undefined;
  return ctx?.oidc?.route === 'introspection';
}
