import { randomUUID } from 'node:crypto';
import {
  type ClientInput,
  defineApiResource,
  defineApiScope,
  IdentityResources,
  type OidcAdapterFactory,
  sha256,
} from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import { createTestUserStore } from '@idsrv/users';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { errors } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { type IdsrvProviderOptions, TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_TYPE } from '../src/index.ts';
import { serveProvider } from './serve.ts';

const SECRET = [{ value: sha256('secret') }];

/** A real provider on a free loopback port, over a memory store, with alice/alice; `wrap` can slow its adapter. */
async function start(
  clients: ClientInput[],
  options: Partial<IdsrvProviderOptions> = {},
  wrap: (adapter: OidcAdapterFactory) => OidcAdapterFactory = (a) => a,
) {
  const store = createMemoryStore({
    clients,
    identityResources: [IdentityResources.OpenId()],
    apiScopes: [defineApiScope({ name: 'api1' }), defineApiScope({ name: 'api2' })],
    apiResources: [
      defineApiResource({ name: 'api1', scopes: ['api1'] }),
      defineApiResource({ name: 'api2', scopes: ['api2'] }),
    ],
  });
  const { issuer } = await serveProvider(store, {
    adapter: wrap(store.adapter),
    users: createTestUserStore([{ subjectId: 'alice-sub', username: 'alice', password: 'alice' }]),
    ...options,
  });
  const token = async (body: Record<string, string>, id?: string) => {
    const response = await fetch(`${issuer}/connect/token`, {
      method: 'POST',
      headers: id ? { authorization: `Basic ${Buffer.from(`${id}:secret`).toString('base64')}` } : {},
      body: new URLSearchParams(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { issuer, token };
}

const ropc: ClientInput = {
  clientId: 'ropc',
  clientSecrets: SECRET,
  allowedGrantTypes: ['password'],
  allowedScopes: ['api1'],
};
const exchanger: ClientInput = {
  clientId: 'exchanger',
  clientSecrets: SECRET,
  allowedGrantTypes: [TOKEN_EXCHANGE_GRANT_TYPE],
  allowedScopes: ['api2'],
};

async function exchangeWith(options: Partial<IdsrvProviderOptions>, params: Record<string, string> = {}) {
  const { token } = await start([ropc, exchanger], options);
  const subject = await token({ grant_type: 'password', username: 'alice', password: 'alice' }, 'ropc');
  expect(subject.status).toBe(200);
  return token(
    {
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
      subject_token: String(subject.body.access_token),
      subject_token_type: TOKEN_TYPE.accessToken,
      ...params,
    },
    'exchanger',
  );
}

describe('tokenExchangePolicy', () => {
  it('tokenExchangePolicy - receives the verified subject and can issue an impersonation token with its own claims', async () => {
    const seen: unknown[] = [];
    const response = await exchangeWith({
      tokenExchangePolicy: async (_ctx, input, byDefault) => {
        seen.push({
          sub: input.subject.sub,
          clientId: input.subject.clientId,
          active: input.subject.activeUser,
        });
        return { ...(await byDefault()), act: undefined, claims: { tenant: 'blue' } };
      },
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual([{ sub: 'alice-sub', clientId: 'ropc', active: true }]);
    const payload = decodeJwt(String(response.body.access_token));
    expect(payload.act).toBeUndefined();
    expect(payload.tenant).toBe('blue');
    expect(payload.sub).toBe('alice-sub');
  });

  it("tokenExchangePolicy - a scope beyond the client's allowed scopes is invalid_scope whatever the policy says", async () => {
    const response = await exchangeWith({ tokenExchangePolicy: () => ({ scope: ['api1'] }) });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_scope');
  });

  it('tokenExchangePolicy - a policy refuses by throwing an oidc-provider error', async () => {
    const response = await exchangeWith({
      tokenExchangePolicy: () => {
        throw new errors.InvalidTarget('not on weekends');
      },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_target', error_description: 'not on weekends' });
  });

  it('tokenExchangePolicy - policy claims cannot replace sub or client_id', async () => {
    const response = await exchangeWith({
      tokenExchangePolicy: async (_ctx, _input, byDefault) => ({
        ...(await byDefault()),
        claims: { sub: 'mallory', client_id: 'other' },
      }),
    });
    const payload = decodeJwt(String(response.body.access_token));
    expect(payload.sub).toBe('alice-sub');
    expect(payload.client_id).toBe('exchanger');
  });
});

describe('private_key_jwt replay detection', () => {
  it.each([
    ['the store adapter inserts the marker atomically', false],
    ['an adapter without insert: look-up then store, serialised in the process', true],
  ])(
    'replay - concurrent requests with one assertion: exactly one passes, even with a slow store (%s)',
    async (_, withoutInsert) => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
      // ReplayDetection's look-up is slow, as over a network: without serialisation both requests would find nothing
      // and both would be accepted.
      let inserts = 0;
      const slowReplayLookup =
        (factory: OidcAdapterFactory): OidcAdapterFactory =>
        (name) => {
          const adapter = factory(name);
          if (name !== 'ReplayDetection') return adapter;
          const { insert, ...rest } = adapter;
          return {
            ...(withoutInsert
              ? (rest as typeof adapter)
              : {
                  ...rest,
                  insert: (...args: Parameters<typeof insert>) => {
                    inserts++;
                    return insert(...args);
                  },
                }),
            find: async (id) => {
              // Read now, answer later: the record's state is the one of when the request reached the store.
              const found = await adapter.find(id);
              await new Promise((resolve) => setTimeout(resolve, 150));
              return found;
            },
          };
        };
      const { issuer, token } = await start(
        [
          {
            clientId: 'jwt',
            clientSecrets: [{ type: 'JWK', value: JSON.stringify(jwk) }],
            allowedGrantTypes: ['client_credentials'],
            allowedScopes: ['api1'],
          },
        ],
        {},
        slowReplayLookup,
      );
      const assertion = await new SignJWT({ iss: 'jwt', sub: 'jwt', aud: issuer, jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);
      const body = {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      };
      const results = await Promise.all([token(body), token(body)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      expect(inserts).toBe(withoutInsert ? 0 : 2);
    },
  );
});

describe('JWK secrets at run time', () => {
  it('a JWK secret that is no usable key makes the client invalid_client, never a 5xx', async () => {
    const broken = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' });
    const { issuer, token } = await start([
      {
        clientId: 'broken',
        clientSecrets: [{ type: 'JWK', value: broken }],
        allowedGrantTypes: ['client_credentials'],
        allowedScopes: ['api1'],
      },
    ]);
    const { privateKey } = await generateKeyPair('ES256');
    const assertion = await new SignJWT({ iss: 'broken', sub: 'broken', aud: issuer, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('1m')
      .sign(privateKey);
    const response = await token({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    expect(response.status).toBeLessThan(500);
    expect(response.body.error).toBe('invalid_client');
  });
});
