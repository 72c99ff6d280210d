import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { ClientInput } from './client.ts';
import { GrantType, GrantTypes } from './grant-types.ts';
import {
  deserializeClient,
  IDSRV_METADATA_PROPERTY,
  type ProviderClientMetadata,
  serializeClient,
  toProviderClientMetadata,
} from './provider-metadata.ts';
import { sha256 } from './secrets.ts';
import { defineClient } from './validate-client.ts';

const SECRET = { value: sha256('secret') };
const EC_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};

const metadataOf = (input: ClientInput) => toProviderClientMetadata(defineClient(input));
/** The metadata without the idsrv copy of the definition, for whole-object comparisons. */
const withoutIdsrv = (metadata: ProviderClientMetadata) => {
  const { [IDSRV_METADATA_PROPERTY]: _, ...rest } = metadata;
  return rest;
};

const browserClient = (allowedGrantTypes: string[], overrides: Partial<ClientInput> = {}): ClientInput => ({
  clientId: 'spa',
  allowedGrantTypes,
  clientSecrets: [SECRET],
  redirectUris: ['https://app.example.com/cb'],
  allowedScopes: ['openid'],
  ...overrides,
});

describe('toProviderClientMetadata - grant and response types', () => {
  it("toProviderClientMetadata - implicit: grant 'implicit', response type 'id_token'", () => {
    expect(metadataOf(browserClient(GrantTypes.Implicit))).toMatchObject({
      grant_types: ['implicit'],
      response_types: ['id_token'],
    });
  });

  it("toProviderClientMetadata - implicit with allowAccessTokensViaBrowser adds 'id_token token'", () => {
    expect(
      metadataOf(browserClient(GrantTypes.Implicit, { allowAccessTokensViaBrowser: true })),
    ).toMatchObject({
      grant_types: ['implicit'],
      response_types: ['id_token', 'id_token token'],
    });
  });

  it("toProviderClientMetadata - hybrid: grants 'authorization_code' and 'implicit', response type 'code id_token'", () => {
    expect(metadataOf(browserClient(GrantTypes.Hybrid))).toMatchObject({
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code id_token'],
    });
  });

  it("toProviderClientMetadata - hybrid with allowAccessTokensViaBrowser adds 'code token' and 'code id_token token'", () => {
    expect(metadataOf(browserClient(GrantTypes.Hybrid, { allowAccessTokensViaBrowser: true }))).toMatchObject(
      {
        grant_types: ['authorization_code', 'implicit'],
        response_types: ['code id_token', 'code token', 'code id_token token'],
      },
    );
  });

  it('toProviderClientMetadata - hybrid and client credentials with offline access', () => {
    expect(
      metadataOf(browserClient(GrantTypes.HybridAndClientCredentials, { allowOfflineAccess: true })),
    ).toMatchObject({
      grant_types: ['authorization_code', 'implicit', 'client_credentials', 'refresh_token'],
      response_types: ['code id_token'],
      scope: 'openid offline_access',
    });
  });

  it("toProviderClientMetadata - code: response type 'code'; allowAccessTokensViaBrowser changes nothing", () => {
    expect(metadataOf(browserClient(GrantTypes.Code, { allowAccessTokensViaBrowser: true }))).toMatchObject({
      grant_types: ['authorization_code'],
      response_types: ['code'],
    });
  });

  it('toProviderClientMetadata - device flow and password grants pass through, with no response type', () => {
    // (CIBA is refused by validation: 'grant-type-unsupported'.)
    for (const grants of [GrantTypes.DeviceFlow, GrantTypes.ResourceOwnerPasswordAndClientCredentials]) {
      expect(
        metadataOf({
          clientId: 'c',
          clientSecrets: [SECRET],
          allowedGrantTypes: grants,
          allowedScopes: ['api1'],
        }),
      ).toMatchObject({ grant_types: grants, response_types: [], redirect_uris: [] });
    }
  });

  it("toProviderClientMetadata - offline_access already in allowedScopes is not repeated; 'refresh_token' is added once", () => {
    const metadata = metadataOf(
      browserClient(GrantTypes.Code, {
        allowOfflineAccess: true,
        allowedScopes: ['openid', 'offline_access'],
      }),
    );
    expect(metadata.scope).toBe('openid offline_access');
    expect(metadata.grant_types).toEqual(['authorization_code', GrantType.RefreshToken]);
  });
});

describe('toProviderClientMetadata - client authentication', () => {
  it("toProviderClientMetadata - a public client (requireClientSecret false): 'none'", () => {
    expect(
      withoutIdsrv(
        metadataOf({
          clientId: 'native',
          requireClientSecret: false,
          allowedGrantTypes: GrantTypes.Code,
          redirectUris: ['com.example.app:/oauth2redirect'],
          postLogoutRedirectUris: ['com.example.app:/signout'],
          allowedScopes: ['openid', 'profile'],
          allowOfflineAccess: true,
        }),
      ),
    ).toEqual({
      client_id: 'native',
      redirect_uris: ['com.example.app:/oauth2redirect'],
      post_logout_redirect_uris: ['com.example.app:/signout'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'openid profile offline_access',
      require_pushed_authorization_requests: false,
      dpop_bound_access_tokens: false,
      require_signed_request_object: false,
    });
  });

  it("toProviderClientMetadata - only JWK secrets: 'private_key_jwt' with the keys as jwks", () => {
    expect(
      withoutIdsrv(
        metadataOf({
          clientId: 'jwt.client',
          clientSecrets: [{ type: 'JWK', value: JSON.stringify(EC_KEY) }],
          allowedGrantTypes: GrantTypes.ClientCredentials,
          allowedScopes: ['api1'],
        }),
      ),
    ).toEqual({
      client_id: 'jwt.client',
      redirect_uris: [],
      post_logout_redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'private_key_jwt',
      scope: 'api1',
      jwks: { keys: [EC_KEY] },
      require_pushed_authorization_requests: false,
      dpop_bound_access_tokens: false,
      require_signed_request_object: false,
    });
  });

  it("toProviderClientMetadata - shared and JWK secrets together: 'client_secret_basic', jwks still given", () => {
    const metadata = metadataOf({
      clientId: 'mixed',
      clientSecrets: [SECRET, { type: 'JWK', value: JSON.stringify(EC_KEY) }],
      allowedGrantTypes: GrantTypes.ClientCredentials,
    });
    expect(metadata.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(metadata.jwks).toEqual({ keys: [EC_KEY] });
  });

  it('toProviderClientMetadata - no client_secret is emitted, only the hashes inside idsrv', () => {
    const metadata = metadataOf({
      clientId: 's',
      clientSecrets: [SECRET],
      allowedGrantTypes: GrantTypes.ClientCredentials,
    });
    expect(metadata).not.toHaveProperty('client_secret');
    expect(JSON.stringify(withoutIdsrv(metadata))).not.toContain(SECRET.value);
    expect(metadata.idsrv.clientSecrets).toEqual([{ value: SECRET.value, type: 'SharedSecret' }]);
  });
});

describe('toProviderClientMetadata - optional metadata', () => {
  it('toProviderClientMetadata - names, URIs, logout, algorithms, PAR, DPoP and request objects', () => {
    const metadata = metadataOf(
      browserClient(GrantTypes.Code, {
        clientName: 'Web App',
        clientUri: 'https://app.example.com',
        logoUri: 'https://app.example.com/logo.png',
        initiateLoginUri: 'https://app.example.com/login',
        allowedIdentityTokenSigningAlgorithms: ['ES256', 'RS256'],
        backChannelLogoutUri: 'https://app.example.com/bc-logout',
        backChannelLogoutSessionRequired: false,
        frontChannelLogoutUri: 'https://app.example.com/fc-logout',
        requirePushedAuthorization: true,
        requireDPoP: true,
        requireRequestObject: true,
        // A request object is verified with the client's public key (rule 'request-object-key-required').
        clientSecrets: [SECRET, { value: JSON.stringify(EC_KEY), type: 'JWK' }],
      }),
    );
    expect(withoutIdsrv(metadata)).toEqual({
      client_id: 'spa',
      client_name: 'Web App',
      client_uri: 'https://app.example.com',
      logo_uri: 'https://app.example.com/logo.png',
      initiate_login_uri: 'https://app.example.com/login',
      redirect_uris: ['https://app.example.com/cb'],
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid',
      id_token_signed_response_alg: 'ES256',
      backchannel_logout_uri: 'https://app.example.com/bc-logout',
      backchannel_logout_session_required: false,
      require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true,
      require_signed_request_object: true,
      jwks: { keys: [EC_KEY] },
    });
    // oidc-provider 9 has no front-channel logout: the URI travels in the idsrv definition only.
    expect(metadata.idsrv.frontChannelLogoutUri).toBe('https://app.example.com/fc-logout');
  });

  it('toProviderClientMetadata - pure: the metadata shares no array with the client', () => {
    const client = defineClient(browserClient(GrantTypes.Code));
    const first = toProviderClientMetadata(client);
    first.redirect_uris.push('https://evil.example/cb');
    first.idsrv.allowedScopes.push('admin');
    expect(client.redirectUris).toEqual(['https://app.example.com/cb']);
    expect(toProviderClientMetadata(client)).toEqual({
      ...first,
      redirect_uris: ['https://app.example.com/cb'],
      idsrv: { ...first.idsrv, allowedScopes: ['openid'] },
    });
  });
});

describe('serializeClient / deserializeClient', () => {
  const client = defineClient({
    clientId: 'rotating',
    clientSecrets: [
      { value: sha256('old'), expiration: new Date('2030-01-01T00:00:00Z'), description: 'old' },
      { value: sha256('new') },
    ],
    allowedGrantTypes: GrantTypes.ClientCredentials,
    claims: [{ type: 'tenant', value: 'acme' }],
    properties: { tier: 'gold' },
  });

  it("IDSRV_METADATA_PROPERTY - is 'idsrv'", () => {
    expect(IDSRV_METADATA_PROPERTY).toBe('idsrv');
  });

  it('serializeClient - secret expirations become ISO 8601 strings; nothing else changes', () => {
    const serialized = serializeClient(client);
    expect(serialized.clientSecrets).toEqual([
      {
        value: sha256('old'),
        type: 'SharedSecret',
        description: 'old',
        expiration: '2030-01-01T00:00:00.000Z',
      },
      { value: sha256('new'), type: 'SharedSecret' },
    ]);
    expect({ ...serialized, clientSecrets: client.clientSecrets }).toEqual(client);
  });

  it('deserializeClient - the idsrv metadata round-trips through JSON to the same client', () => {
    const json = JSON.parse(JSON.stringify(toProviderClientMetadata(client).idsrv)) as unknown;
    const back = deserializeClient(json);
    expect(back).toEqual(client);
    expect(back.clientSecrets[0]?.expiration).toBeInstanceOf(Date);
  });

  it('deserializeClient - throws a ZodError for something that is not a client', () => {
    expect(() => deserializeClient({ clientId: 'x', nope: true })).toThrow(ZodError);
    expect(() => deserializeClient('x')).toThrow(ZodError);
  });
});
