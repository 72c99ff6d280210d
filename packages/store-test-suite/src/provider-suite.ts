import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration, JWK } from 'oidc-provider';
import { describe, expect } from 'vitest';
import type { Harness } from './harness.ts';
import type { StoreUnderTest } from './types.ts';

const CLIENT_ID = 'suite.service';
const CLIENT_SECRET = 'suite-service-secret';

// One signing key for every provider the suite starts: generating it per test would only cost time, and without
// one oidc-provider falls back to its development keys with a warning.
let signingKey: JWK | undefined;
const jwks = () => {
  signingKey ??= {
    ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JWK),
    alg: 'ES256',
    use: 'sig',
  };
  return { keys: [signingKey] };
};

async function createProvider(store: StoreUnderTest) {
  const { default: Provider } = await import('oidc-provider');
  const configuration: Configuration = {
    // The point of these tests: the store's adapter goes into oidc-provider as it is.
    adapter: store.adapter,
    jwks: jwks(),
    cookies: { keys: ['store-test-suite-cookie-key'] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        // The only signing key is an ES256 one; oidc-provider's default for clients is RS256.
        id_token_signed_response_alg: 'ES256',
      },
    ],
    // Set explicitly so oidc-provider does not print a notice for each default it falls back to.
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      deviceFlow: { enabled: true },
    },
  };
  return new Provider('http://127.0.0.1', configuration);
}

type TestProvider = Awaited<ReturnType<typeof createProvider>>;

/** An instance of one of oidc-provider's models, as far as these tests use it. */
interface ModelInstance {
  [key: string]: unknown;
  /** Resolves to the token value (for opaque tokens, the id). Sessions take their lifetime in seconds. */
  save(ttl?: number): Promise<string>;
  consume(): Promise<void>;
}

/** One of oidc-provider's model classes, as far as these tests use it. */
interface ModelClass {
  new (payload: Record<string, unknown>): ModelInstance;
  find(value: string): Promise<ModelInstance | undefined>;
  findByUid(uid: string): Promise<ModelInstance | undefined>;
  findByUserCode(userCode: string): Promise<ModelInstance | undefined>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/**
 * The provider's models with looser types than `@types/oidc-provider` gives them (its constructors require fields
 * these tests do not need, and `Session#save` declares no lifetime parameter).
 */
function modelsOf(provider: TestProvider) {
  // The models are getters on the provider's prototype: read each one, a spread would copy none.
  const model = (name: 'Session' | 'DeviceCode' | 'AuthorizationCode' | 'AccessToken') =>
    (provider as unknown as Record<typeof name, ModelClass>)[name];
  return {
    Session: model('Session'),
    DeviceCode: model('DeviceCode'),
    AuthorizationCode: model('AuthorizationCode'),
    AccessToken: model('AccessToken'),
    client: () => provider.Client.find(CLIENT_ID),
  };
}

async function listen(provider: TestProvider): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

const basicAuth = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;

async function post(url: string, form: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: basicAuth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Tests that start a real oidc-provider with `adapter: store.adapter`. */
export function providerSuite<S extends StoreUnderTest>(h: Harness<S>): void {
  const enabled = h.capabilities.oidcProvider ?? true;
  const itIf = h.itIf(enabled, 'capabilities.oidcProvider is false');

  describe('oidc-provider', () => {
    itIf(
      'oidc-provider - accepts store.adapter, and issues, introspects and revokes a client_credentials token',
      async ({ store, onTestFinished }) => {
        const provider = await createProvider(store);
        const server = await listen(provider);
        onTestFinished(() => server.close());

        const issued = await post(`${server.url}/token`, { grant_type: 'client_credentials' });
        expect(issued.status).toBe(200);
        const { access_token: token } = issued.body as { access_token: string };
        expect(token).toEqual(expect.any(String));
        // An opaque token's value is its id: the store holds it under the ClientCredentials model.
        expect(await store.adapter('ClientCredentials').find(token)).toMatchObject({
          clientId: CLIENT_ID,
          kind: 'ClientCredentials',
        });

        const active = await post(`${server.url}/token/introspection`, { token });
        expect(active.body).toMatchObject({ active: true, client_id: CLIENT_ID, token_type: 'Bearer' });

        const revoked = await post(`${server.url}/token/revocation`, { token });
        expect(revoked.status).toBe(200);
        expect(await store.adapter('ClientCredentials').find(token)).toBeUndefined();
        const inactive = await post(`${server.url}/token/introspection`, { token });
        expect(inactive.body).toEqual({ active: false });
      },
    );

    itIf(
      "oidc-provider - finds a Session by uid and a DeviceCode by user code through the provider's models",
      async ({ store }) => {
        const { Session, DeviceCode, client } = modelsOf(await createProvider(store));
        await new Session({ jti: 'session-1', uid: 'uid-1', accountId: 'alice' }).save(600);
        expect(await Session.findByUid('uid-1')).toMatchObject({ jti: 'session-1', accountId: 'alice' });
        expect(await Session.findByUid('uid-2')).toBeUndefined();

        const deviceCode = new DeviceCode({
          client: await client(),
          userCode: 'WDJB-MJHT',
          params: { client_id: CLIENT_ID, scope: 'openid' },
          deviceInfo: { ip: '192.0.2.1', ua: 'suite' },
          expiresIn: 600,
        });
        const value = await deviceCode.save();
        const found = await DeviceCode.findByUserCode('WDJB-MJHT');
        expect(found).toMatchObject({ jti: value, clientId: CLIENT_ID, userCode: 'WDJB-MJHT' });
      },
    );

    itIf(
      'oidc-provider - a second consume of an AuthorizationCode rejects with AlreadyConsumedError',
      async ({ store }) => {
        const { AuthorizationCode, client } = modelsOf(await createProvider(store));
        const value = await new AuthorizationCode({
          client: await client(),
          accountId: 'alice',
          grantId: 'grant-1',
          scope: 'openid',
          redirectUri: 'https://rp.example.com/cb',
          expiresIn: 60,
        }).save();

        // Two requests redeeming the same code each load it before either consumes it.
        const first = await AuthorizationCode.find(value);
        const second = await AuthorizationCode.find(value);
        await first!.consume();
        await expect(second!.consume()).rejects.toMatchObject({ code: 'ERR_ALREADY_CONSUMED' });
        expect((await AuthorizationCode.find(value))?.['consumed']).toEqual(expect.any(Number));
      },
    );

    itIf(
      "oidc-provider - revoking a grant removes that model's tokens of the grant and leaves the others",
      async ({ store }) => {
        const { AccessToken, AuthorizationCode, client } = modelsOf(await createProvider(store));
        const owner = await client();
        const token = (grantId: string) =>
          new AccessToken({
            client: owner,
            accountId: 'alice',
            grantId,
            scope: 'openid',
            expiresIn: 600,
          }).save();
        const revoked = await token('grant-1');
        const kept = await token('grant-2');
        const codeValue = await new AuthorizationCode({
          client: owner,
          accountId: 'alice',
          grantId: 'grant-1',
          scope: 'openid',
          redirectUri: 'https://rp.example.com/cb',
          expiresIn: 60,
        }).save();

        await AccessToken.revokeByGrantId('grant-1');
        expect(await AccessToken.find(revoked)).toBeUndefined();
        expect(await AccessToken.find(kept)).toMatchObject({ grantId: 'grant-2' });
        expect(await AuthorizationCode.find(codeValue)).toMatchObject({ grantId: 'grant-1' });
      },
    );
  });
}
