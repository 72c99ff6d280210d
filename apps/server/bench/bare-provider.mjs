// The baseline: a bare oidc-provider 9 with one static client_credentials client and a JWT access token for one
// resource server, signed with the same algorithm as idsrv's default key (ES256). Prints its URL when listening.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const alg = process.env.BENCH_ALG ?? 'ES256';
const { privateKey } = await generateKeyPair(alg, {
  extractable: true,
  ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
});
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://localhost:${server.address().port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench',
      client_secret: 'secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
  ],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: 'bench' }] },
  clientDefaults: { id_token_signed_response_alg: alg },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:api1',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api1',
        audience: 'api1',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg } },
      }),
    },
  },
});
server.on('request', provider.callback());
console.log(`listening on ${issuer}`);
process.once('SIGINT', () => process.exit(0));
