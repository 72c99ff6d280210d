/**
 * The clients of IdentityServer's "Defining Clients" page, defined in TypeScript with @idsrv/model.
 *
 * Run it: `pnpm --filter @idsrv/model example`. It prints each client's oidc-provider metadata, then the problems
 * found in a broken client.
 */
import { pathToFileURL } from 'node:url';
import {
  defineApiResource,
  defineApiScope,
  defineClient,
  defineDefinitions,
  formatPath,
  GrantTypes,
  IdentityResources,
  ModelValidationError,
  sha256,
  toProviderClientMetadata,
  validateDefinitions,
} from '@idsrv/model';

// #region clients (shown in README.md; a test keeps the two the same)
// Server to server: no interactive user; a service (the client) calls an API (a scope) with its own identity.
export const serviceClient = defineClient({
  clientId: 'service.client',
  clientSecrets: [{ value: sha256('secret') }],

  allowedGrantTypes: GrantTypes.ClientCredentials,
  allowedScopes: ['api1', 'api2.read_only'],
});

// An interactive application: signs users in with the authorization code flow (PKCE is on by default) and calls
// APIs on their behalf; allowOfflineAccess lets it ask for refresh tokens.
export const interactiveClient = defineClient({
  clientId: 'interactive',

  allowedGrantTypes: GrantTypes.Code,
  allowOfflineAccess: true,
  clientSecrets: [{ value: sha256('secret') }],

  redirectUris: ['http://localhost:21402/signin-oidc'],
  postLogoutRedirectUris: ['http://localhost:21402/'],
  frontChannelLogoutUri: 'http://localhost:21402/signout-oidc',

  allowedScopes: ['openid', 'profile', 'api1', 'api2.read_only'],
});

// The appsettings.json client ("IdentityServer": { "Clients": [ … ] }) written in TypeScript. As in the JSON, the
// secret's value is already the Base64 SHA-256 hash (this one is sha256('secret')).
export const localDevClient = defineClient({
  enabled: true,
  clientId: 'local-dev',
  clientName: 'Local Development',
  clientSecrets: [{ value: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' }],
  allowedGrantTypes: ['client_credentials'],
  allowedScopes: ['api1'],
});

// The clients with the resources their scopes name, checked together: every allowed scope must exist, ids and
// names must be unique.
export const definitions = defineDefinitions({
  clients: [serviceClient, interactiveClient, localDevClient],
  identityResources: [IdentityResources.OpenId(), IdentityResources.Profile()],
  apiScopes: [defineApiScope({ name: 'api1' }), defineApiScope({ name: 'api2.read_only' })],
  apiResources: [
    defineApiResource({ name: 'api1', scopes: ['api1'] }),
    defineApiResource({ name: 'api2', scopes: ['api2.read_only'] }),
  ],
});

// #endregion clients

function main(): void {
  for (const client of definitions.clients) {
    // `idsrv` carries the whole definition for idsrv's provider hooks; the rest is what oidc-provider reads.
    const { idsrv: _definition, ...metadata } = toProviderClientMetadata(client);
    console.log(`oidc-provider metadata of '${client.clientId}':`);
    console.log(JSON.stringify(metadata, null, 2));
  }

  // A broken client: every problem is reported at once, each with where it is.
  const broken = {
    clientId: 'broken',
    allowedGrantTypes: [...GrantTypes.Code, ...GrantTypes.Implicit],
    clientSecrets: [{ value: 'secret' }], // the plaintext instead of sha256('secret')
    redirectUris: ['http://app.example.com/signin-oidc#done'],
    accessTokenLifetime: 0,
    AllowedScope: ['api1'],
  };
  try {
    defineClient(broken as Parameters<typeof defineClient>[0]);
  } catch (error) {
    if (!(error instanceof ModelValidationError)) throw error;
    console.log(`\n${error.code}: ${error.message}`);
  }

  // The same problems as a configuration file's author sees them (IdentityServer's names).
  const { issues } = validateDefinitions({ clients: [serviceClient, broken] }, { path: ['IdentityServer'] });
  console.log('\nIn appsettings.json terms:');
  for (const issue of issues) console.log(`  ${formatPath(issue.path, 'pascal')}: ${issue.message}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
