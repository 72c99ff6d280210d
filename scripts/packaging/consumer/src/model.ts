// uses: @idsrv/model
// The model README's first steps: define a client, get IdentityServer's defaults, hash and verify a secret, and
// read every problem of a broken client from one ModelValidationError.
import assert from 'node:assert/strict';
import { defineClient, GrantTypes, ModelValidationError, sha256, verifyHashedSecret } from '@idsrv/model';

const client = defineClient({
  clientId: 'service.client',
  clientSecrets: [{ value: sha256('secret') }],
  allowedGrantTypes: GrantTypes.ClientCredentials,
  allowedScopes: ['api1'],
});
assert.equal(client.accessTokenLifetime, 3600, 'IdentityServer default AccessTokenLifetime');
assert.equal(client.refreshTokenUsage, 'ReUse');
assert.ok(verifyHashedSecret('secret', client.clientSecrets), 'the right secret verifies');
assert.ok(!verifyHashedSecret('wrong', client.clientSecrets), 'a wrong secret does not');

assert.throws(
  () =>
    defineClient({
      clientId: 'broken',
      allowedGrantTypes: ['implicit', 'authorization_code'],
      accessTokenLifetime: 0,
    }),
  (error: unknown) => error instanceof ModelValidationError && error.code === 'ERR_MODEL_INVALID',
);
console.log('ok: model: defaults, secret hashing and validation errors work from the tarball');
