import {
  type ApiResourceInput,
  type ApiScopeInput,
  type Client,
  type ClientInput,
  defineClient,
  GrantTypes,
  type IdentityResourceInput,
  IdentityResources,
  type OidcPayload,
  sha256,
} from '@idsrv/model';

/**
 * Every model name oidc-provider 9 asks its `adapter` for. A store keeps each one apart from the others and treats
 * every payload as opaque.
 */
export const OIDC_MODEL_NAMES = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
] as const;

export type OidcModelName = (typeof OIDC_MODEL_NAMES)[number];

const epoch = () => Math.floor(Date.now() / 1000);

/** A payload shaped like the one oidc-provider stores for `modelName`, with nested values to copy. */
export function samplePayload(modelName: OidcModelName, id: string): OidcPayload {
  const iat = epoch();
  const token = {
    jti: id,
    kind: modelName,
    iat,
    exp: iat + 600,
    clientId: 'web.client',
    accountId: 'alice',
    grantId: `grant-of-${id}`,
    scope: 'openid profile api1',
    sessionUid: 'session-uid-1',
    expiresWithSession: true,
    claims: { id_token: { email: null, acr: { essential: true, values: ['urn:mace:incommon:iap:silver'] } } },
    resource: ['https://api.example.com'],
  };
  switch (modelName) {
    case 'Session':
      return {
        jti: id,
        kind: modelName,
        uid: `uid-of-${id}`,
        accountId: 'alice',
        loginTs: iat,
        amr: ['pwd', 'mfa'],
        acr: 'urn:mace:incommon:iap:silver',
        exp: iat + 1209600,
        iat,
        authorizations: { 'web.client': { sid: 'sid-1', grantId: 'grant-1', persistsLogout: true } },
      };
    case 'AccessToken':
      return { ...token, aud: ['https://api.example.com'], extra: { tenant: 't1' }, 'x5t#S256': 'thumb' };
    case 'AuthorizationCode':
      return {
        ...token,
        redirectUri: 'https://web.example.com/signin-oidc',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
        nonce: 'n-0S6_WzA2Mj',
        authTime: iat,
        acr: 'urn:mace:incommon:iap:silver',
        amr: ['pwd'],
      };
    case 'RefreshToken':
      return { ...token, gty: 'authorization_code', rotations: 0, iiat: iat, rar: [], 'x5t#S256': undefined };
    case 'DeviceCode':
      return {
        ...token,
        userCode: `user-code-of-${id}`,
        params: { client_id: 'tv.client', scope: 'openid offline_access' },
        deviceInfo: { ip: '192.0.2.10', ua: 'Mozilla/5.0 (SmartTV)' },
        inFlight: false,
      };
    case 'ClientCredentials':
      return {
        jti: id,
        kind: modelName,
        iat,
        exp: iat + 3600,
        clientId: 'service.client',
        scope: 'api1 api2.read',
        aud: 'https://api.example.com',
        extra: {},
      };
    case 'Client':
      return {
        client_id: id,
        client_secret: 'not-a-real-secret',
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: ['https://web.example.com/signin-oidc'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        'urn:idsrv:client': { allowOfflineAccess: true, claims: [{ type: 'role', value: 'admin' }] },
      };
    case 'InitialAccessToken':
      return { jti: id, kind: modelName, iat, exp: iat + 3600, policies: ['dynamic-clients'] };
    case 'RegistrationAccessToken':
      return { jti: id, kind: modelName, iat, clientId: 'dynamic.client', policies: ['dynamic-clients'] };
    case 'Interaction':
      return {
        jti: id,
        kind: modelName,
        iat,
        exp: iat + 3600,
        returnTo: `https://id.example.com/auth/${id}`,
        prompt: { name: 'login', reasons: ['no_session'], details: {} },
        params: { client_id: 'web.client', redirect_uri: 'https://web.example.com/cb', scope: 'openid' },
        session: { uid: 'session-uid-1', cookie: 'cookie-1', acr: 'urn:x', amr: ['pwd'], accountId: 'alice' },
        grantId: `grant-of-${id}`,
        cid: 'cid-1',
        lastSubmission: { login: { accountId: 'alice' } },
      };
    case 'ReplayDetection':
      return { jti: id, kind: modelName, iat, exp: iat + 60, iss: 'service.client' };
    case 'PushedAuthorizationRequest':
      return {
        jti: id,
        kind: modelName,
        iat,
        exp: iat + 60,
        clientId: 'web.client',
        request: 'eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.',
        dpopJkt: 'jkt-1',
        trusted: true,
      };
    case 'Grant':
      return {
        jti: id,
        kind: modelName,
        iat,
        exp: iat + 1209600,
        accountId: 'alice',
        clientId: 'web.client',
        openid: { scope: 'openid profile', claims: ['sub', 'name'] },
        resources: { 'https://api.example.com': 'api1 api2.read' },
        rejected: {},
      };
    case 'BackchannelAuthenticationRequest':
      return { ...token, params: { login_hint: 'alice', binding_message: 'W4SCT' }, error: undefined };
    case 'PreAuthorizedCode':
      return { ...token, txCode: { input_mode: 'numeric', length: 6 } };
  }
}

/** A payload with every kind of JSON value, to catch a store that serialises lossily. */
export function jsonZoo(): OidcPayload {
  return {
    string: 'plain',
    empty: '',
    unicode: 'ünïcødé 🔑 日本語 \u0000 "quoted" \\ backslash',
    zero: 0,
    negative: -42,
    fraction: 0.125,
    largest: Number.MAX_SAFE_INTEGER,
    yes: true,
    no: false,
    nothing: null,
    list: [1, 'two', { three: [3] }, [], null],
    emptyList: [],
    emptyObject: {},
    deep: { a: { b: { c: { d: { e: ['deep'] } } } } },
    large: 'x'.repeat(64 * 1024),
  };
}

/** A confidential client for machine-to-machine calls. */
export function serviceClient(clientId = 'service.client', overrides: Partial<ClientInput> = {}): Client {
  return defineClient({
    clientId,
    clientName: 'Service client',
    clientSecrets: [{ value: sha256('secret'), expiration: new Date('2099-01-01T00:00:00.000Z') }],
    allowedGrantTypes: GrantTypes.ClientCredentials,
    allowedScopes: ['api1', 'api2.read'],
    claims: [{ type: 'role', value: 'service' }],
    properties: { tier: 'gold' },
    ...overrides,
  });
}

/** A web application using the authorization code flow with PKCE. */
export function webClient(clientId = 'web.client', overrides: Partial<ClientInput> = {}): Client {
  return defineClient({
    clientId,
    clientSecrets: [{ value: sha256('web-secret') }],
    allowedGrantTypes: GrantTypes.Code,
    redirectUris: ['https://web.example.com/signin-oidc'],
    postLogoutRedirectUris: ['https://web.example.com/signout-callback-oidc'],
    allowOfflineAccess: true,
    allowedScopes: ['openid', 'profile', 'api1'],
    ...overrides,
  });
}

/** Resources with overlapping scopes, a disabled entry of each kind, and names that differ only in case. */
export function sampleResources(): {
  identityResources: IdentityResourceInput[];
  apiScopes: ApiScopeInput[];
  apiResources: ApiResourceInput[];
} {
  return {
    identityResources: [
      IdentityResources.OpenId(),
      IdentityResources.Profile(),
      { ...IdentityResources.Email(), enabled: false },
      { name: 'Custom', userClaims: ['custom_claim'], properties: { source: 'hr' } },
    ],
    apiScopes: [
      { name: 'api1', displayName: 'API 1' },
      { name: 'api2.read', userClaims: ['role'] },
      { name: 'api2.write', required: true },
      { name: 'API1' },
      { name: 'retired.scope', enabled: false },
    ],
    apiResources: [
      { name: 'https://api1.example.com', scopes: ['api1'], userClaims: ['department'] },
      {
        name: 'https://api2.example.com',
        scopes: ['api2.read', 'api2.write'],
        requireResourceIndicator: true,
      },
      { name: 'https://reports.example.com', scopes: ['api1', 'api2.read'] },
      { name: 'https://retired.example.com', scopes: ['retired.scope'], enabled: false },
    ],
  };
}
