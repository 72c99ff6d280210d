/**
 * The three clients of the reference document ("Defining Clients"), written in TypeScript as the reference writes
 * them in C# and appsettings.json: they are valid and map to the expected oidc-provider metadata.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as example from '../examples/reference-clients.ts';
import {
  type Client,
  defineClient,
  deserializeClient,
  GrantTypes,
  IDSRV_METADATA_PROPERTY,
  IdentityResources,
  type ProviderClientMetadata,
  sha256,
  toProviderClientMetadata,
  validateDefinitions,
  verifyHashedSecret,
} from '../src/index.ts';

// new Client { ClientId = "service.client", ClientSecrets = { new Secret("secret".Sha256()) },
//   AllowedGrantTypes = GrantTypes.ClientCredentials, AllowedScopes = { "api1", "api2.read_only" } }
const serviceClient = () =>
  defineClient({
    clientId: 'service.client',
    clientSecrets: [{ value: sha256('secret') }],
    allowedGrantTypes: GrantTypes.ClientCredentials,
    allowedScopes: ['api1', 'api2.read_only'],
  });

// new Client { ClientId = "interactive", AllowedGrantTypes = GrantTypes.Code, AllowOfflineAccess = true, … }
const interactiveClient = () =>
  defineClient({
    clientId: 'interactive',
    allowedGrantTypes: GrantTypes.Code,
    allowOfflineAccess: true,
    clientSecrets: [{ value: sha256('secret') }],
    redirectUris: ['http://localhost:21402/signin-oidc'],
    postLogoutRedirectUris: ['http://localhost:21402/'],
    frontChannelLogoutUri: 'http://localhost:21402/signout-oidc',
    allowedScopes: ['openid', 'profile', 'api1', 'api2.read_only'],
  });

// "Clients": [ { "Enabled": true, "ClientId": "local-dev", "ClientName": "Local Development",
//   "ClientSecrets": [ { "Value": "<Sha256 hash of the secret as Base64>" } ], "AllowedGrantTypes": [ "client_credentials" ],
//   "AllowedScopes": [ "api1" ] } ]
const LOCAL_DEV_SECRET_HASH = sha256('local-dev-secret');
const localDevClient = () =>
  defineClient({
    enabled: true,
    clientId: 'local-dev',
    clientName: 'Local Development',
    clientSecrets: [{ value: LOCAL_DEV_SECRET_HASH }],
    allowedGrantTypes: ['client_credentials'],
    allowedScopes: ['api1'],
  });

const withoutIdsrv = ({ [IDSRV_METADATA_PROPERTY]: _, ...rest }: ProviderClientMetadata) => rest;

/** What every client without PAR, DPoP or request objects has. */
const FLAGS_OFF = {
  require_pushed_authorization_requests: false,
  dpop_bound_access_tokens: false,
  require_signed_request_object: false,
};

const cases: [name: string, create: () => Client, metadata: Omit<ProviderClientMetadata, 'idsrv'>][] = [
  [
    'service.client',
    serviceClient,
    {
      client_id: 'service.client',
      redirect_uris: [],
      post_logout_redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'api1 api2.read_only',
      ...FLAGS_OFF,
    },
  ],
  [
    'interactive',
    interactiveClient,
    {
      client_id: 'interactive',
      redirect_uris: ['http://localhost:21402/signin-oidc'],
      post_logout_redirect_uris: ['http://localhost:21402/'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile api1 api2.read_only offline_access',
      ...FLAGS_OFF,
    },
  ],
  [
    'local-dev',
    localDevClient,
    {
      client_id: 'local-dev',
      client_name: 'Local Development',
      redirect_uris: [],
      post_logout_redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'api1',
      ...FLAGS_OFF,
    },
  ],
];

describe('the reference clients', () => {
  it.each(cases)("reference client '%s' - is valid and gets IdentityServer's defaults", (_name, create) => {
    const client = create();
    expect(client).toMatchObject({
      enabled: true,
      requireClientSecret: true,
      requirePkce: true,
      requireConsent: false,
      accessTokenLifetime: 3600,
      identityTokenLifetime: 300,
      authorizationCodeLifetime: 300,
      refreshTokenUsage: 'ReUse',
      refreshTokenExpiration: 'Absolute',
      accessTokenType: 'Jwt',
    });
    expect(client.clientSecrets.every((s) => s.type === 'SharedSecret')).toBe(true);
  });

  it.each(cases)(
    "reference client '%s' - maps to the expected oidc-provider metadata",
    (_name, create, expected) => {
      expect(withoutIdsrv(toProviderClientMetadata(create()))).toEqual(expected);
    },
  );

  it.each(cases)(
    "reference client '%s' - the idsrv definition round-trips through deserializeClient",
    (_name, create) => {
      const client = create();
      const metadata = toProviderClientMetadata(client);
      expect(deserializeClient(JSON.parse(JSON.stringify(metadata.idsrv)))).toEqual(client);
    },
  );

  it("reference client 'interactive' - front-channel logout URI and offline access travel in the idsrv definition", () => {
    const { idsrv } = toProviderClientMetadata(interactiveClient());
    expect(idsrv.frontChannelLogoutUri).toBe('http://localhost:21402/signout-oidc');
    expect(idsrv.frontChannelLogoutSessionRequired).toBe(true);
    expect(idsrv.allowOfflineAccess).toBe(true);
  });

  it("reference clients - 'secret' authenticates service.client and interactive; the hash itself does not", () => {
    for (const client of [serviceClient(), interactiveClient()]) {
      expect(verifyHashedSecret('secret', client.clientSecrets)).toBe(true);
      expect(verifyHashedSecret(sha256('secret'), client.clientSecrets)).toBe(false);
    }
    expect(verifyHashedSecret('local-dev-secret', localDevClient().clientSecrets)).toBe(true);
  });

  it('reference clients - valid together with the resources their scopes name', () => {
    const { issues, definitions } = validateDefinitions({
      clients: [serviceClient(), interactiveClient(), localDevClient()],
      identityResources: [IdentityResources.OpenId(), IdentityResources.Profile()],
      apiScopes: [{ name: 'api1' }, { name: 'api2.read_only' }],
      apiResources: [
        { name: 'api1', scopes: ['api1'] },
        { name: 'api2', scopes: ['api2.read_only'] },
      ],
    });
    expect(issues).toEqual([]);
    expect(definitions?.clients.map((c) => c.clientId)).toEqual([
      'service.client',
      'interactive',
      'local-dev',
    ]);
  });

  it('reference clients - without api2.read_only defined, the two clients allowed it are refused', () => {
    const { issues } = validateDefinitions({
      clients: [serviceClient(), interactiveClient(), localDevClient()],
      identityResources: [IdentityResources.OpenId(), IdentityResources.Profile()],
      apiScopes: [{ name: 'api1' }],
    });
    expect(issues.map((i) => i.path)).toEqual([
      ['clients', 0, 'allowedScopes', 1],
      ['clients', 1, 'allowedScopes', 3],
    ]);
  });
});

describe('examples/reference-clients.ts (the README example)', () => {
  it('example - defines the same three clients as the reference', () => {
    // local-dev's secret is a literal hash in the example (as in appsettings.json), so compare everything else.
    const { clientSecrets: exampleSecrets, ...exampleLocalDev } = example.localDevClient;
    const { clientSecrets: _, ...localDev } = localDevClient();
    expect(example.serviceClient).toEqual(serviceClient());
    expect(example.interactiveClient).toEqual(interactiveClient());
    expect(exampleLocalDev).toEqual(localDev);
    expect(exampleSecrets).toEqual([{ value: sha256('secret'), type: 'SharedSecret' }]);
    expect(example.definitions.clients.map((c) => c.clientId)).toEqual([
      'service.client',
      'interactive',
      'local-dev',
    ]);
  });
});

describe('README.md', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const source = readFileSync(new URL('../examples/reference-clients.ts', import.meta.url), 'utf8');

  it("README - its client definitions are the example's, which the typecheck compiles and this file runs", () => {
    const region = /\/\/ #region clients[^\n]*\n([\s\S]*?)\n\/\/ #endregion clients/.exec(source)?.[1];
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(region).toBeDefined();
    expect(block).toBeDefined();
    expect(block).toContain(region!.trim());
    // The README's import names exactly what its code uses, all of which the package exports.
    const imported = /import \{([^}]*)\} from '@idsrv\/model'/
      .exec(block!)?.[1]
      ?.split(',')
      .map((n) => n.trim());
    const used = [
      'defineApiResource',
      'defineApiScope',
      'defineClient',
      'defineDefinitions',
      'GrantTypes',
      'IdentityResources',
      'sha256',
    ];
    expect(imported?.filter(Boolean).sort()).toEqual([...used].sort());
    for (const name of used) expect(region).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
