import { type Client, clientSchema } from './client.ts';
import { GrantType } from './grant-types.ts';
import { SecretTypes } from './secrets.ts';

/**
 * The property of the oidc-provider client metadata that carries the whole idsrv client definition, so the provider
 * bridge's hooks (lifetimes, PKCE, consent, refresh-token usage, hashed secrets…) read it from the client oidc-provider
 * hands them. Register it in oidc-provider's `extraClientMetadata.properties`.
 */
export const IDSRV_METADATA_PROPERTY = 'idsrv';

/** A client definition as plain JSON (dates as ISO 8601 strings), stored in {@link IDSRV_METADATA_PROPERTY}. */
export type SerializedClient = Omit<Client, 'clientSecrets'> & {
  clientSecrets: { value: string; type: string; description?: string; expiration?: string }[];
};

/**
 * oidc-provider client metadata (RFC 7591 / OpenID Connect Registration names) for one idsrv client.
 * Only the properties idsrv sets are listed.
 */
export interface ProviderClientMetadata {
  client_id: string;
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  /** `none` for public clients, `private_key_jwt` when every secret is a JWK, else `client_secret_basic`. */
  token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'private_key_jwt';
  /** `allowedScopes`, plus `offline_access` when `allowOfflineAccess`; space-delimited. */
  scope: string;
  jwks?: { keys: Record<string, unknown>[] };
  id_token_signed_response_alg?: string;
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
  require_pushed_authorization_requests: boolean;
  dpop_bound_access_tokens: boolean;
  require_signed_request_object: boolean;
  initiate_login_uri?: string;
  [IDSRV_METADATA_PROPERTY]: SerializedClient;
}

/**
 * Maps a client definition to oidc-provider client metadata. Pure: the same client always gives the same metadata.
 *
 * - `implicit` → grant `implicit`, response types `id_token` (+ `id_token token` when `allowAccessTokensViaBrowser`).
 * - `hybrid` (IdentityServer's own) → grants `authorization_code` + `implicit`, response types `code id_token`
 *   (+ `code token`, `code id_token token` when `allowAccessTokensViaBrowser`).
 * - `authorization_code` → response type `code`; `allowOfflineAccess` adds the `refresh_token` grant.
 * - No `client_secret` is emitted: idsrv keeps only hashes, which the provider bridge verifies itself.
 */
export function toProviderClientMetadata(client: Client): ProviderClientMetadata {
  const grants = client.allowedGrantTypes;
  const viaBrowser = client.allowAccessTokensViaBrowser;
  const grantTypes = new Set<string>();
  const responseTypes = new Set<string>();
  for (const grant of grants) {
    if (grant === GrantType.Hybrid) {
      grantTypes.add(GrantType.AuthorizationCode).add(GrantType.Implicit);
      responseTypes.add('code id_token');
      if (viaBrowser) responseTypes.add('code token').add('code id_token token');
    } else if (grant === GrantType.Implicit) {
      grantTypes.add(GrantType.Implicit);
      responseTypes.add('id_token');
      if (viaBrowser) responseTypes.add('id_token token');
    } else {
      grantTypes.add(grant);
      if (grant === GrantType.AuthorizationCode) responseTypes.add('code');
    }
  }
  if (client.allowOfflineAccess) grantTypes.add(GrantType.RefreshToken);

  const jwkSecrets = client.clientSecrets.filter((s) => s.type === SecretTypes.JsonWebKey);
  const authMethod = !client.requireClientSecret
    ? 'none'
    : client.clientSecrets.length > 0 && jwkSecrets.length === client.clientSecrets.length
      ? 'private_key_jwt'
      : 'client_secret_basic';

  const scopes = [...client.allowedScopes];
  if (client.allowOfflineAccess && !scopes.includes('offline_access')) scopes.push('offline_access');

  const metadata: ProviderClientMetadata = {
    client_id: client.clientId,
    redirect_uris: [...client.redirectUris],
    post_logout_redirect_uris: [...client.postLogoutRedirectUris],
    grant_types: [...grantTypes],
    response_types: [...responseTypes],
    token_endpoint_auth_method: authMethod,
    scope: scopes.join(' '),
    require_pushed_authorization_requests: client.requirePushedAuthorization,
    dpop_bound_access_tokens: client.requireDPoP,
    require_signed_request_object: client.requireRequestObject,
    [IDSRV_METADATA_PROPERTY]: serializeClient(client),
  };
  if (client.clientName !== undefined) metadata.client_name = client.clientName;
  if (client.clientUri !== undefined) metadata.client_uri = client.clientUri;
  if (client.logoUri !== undefined) metadata.logo_uri = client.logoUri;
  if (client.initiateLoginUri !== undefined) metadata.initiate_login_uri = client.initiateLoginUri;
  if (client.allowedIdentityTokenSigningAlgorithms[0] !== undefined) {
    metadata.id_token_signed_response_alg = client.allowedIdentityTokenSigningAlgorithms[0];
  }
  if (client.backChannelLogoutUri !== undefined) {
    metadata.backchannel_logout_uri = client.backChannelLogoutUri;
    metadata.backchannel_logout_session_required = client.backChannelLogoutSessionRequired;
  }
  if (jwkSecrets.length > 0) {
    metadata.jwks = { keys: jwkSecrets.map((s) => JSON.parse(s.value) as Record<string, unknown>) };
  }
  return metadata;
}

/**
 * The client definition as JSON: what {@link IDSRV_METADATA_PROPERTY} holds and what stores persist. A deep copy:
 * changing it (or the metadata that carries it) never changes the client it came from.
 */
export function serializeClient(client: Client): SerializedClient {
  const copy = structuredClone(client);
  return {
    ...copy,
    clientSecrets: copy.clientSecrets.map(({ expiration, ...rest }) =>
      expiration ? { ...rest, expiration: expiration.toISOString() } : rest,
    ),
  };
}

/**
 * Reads back a client serialized by {@link serializeClient} (from provider metadata or a store).
 * @throws {import('zod').ZodError} when the value is not a client; stores only hold validated clients.
 */
export function deserializeClient(value: unknown): Client {
  return clientSchema.parse(value);
}
