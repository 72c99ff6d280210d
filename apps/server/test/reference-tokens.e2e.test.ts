import { type RedisProcess, startRedis } from '@idsrv/test-redis';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { startTestServer } from './helpers.ts';
import { copyConfig, redeem, startRedisServer } from './redis-helpers.ts';
import { mintCodeWithApiScope, postForm, REFERENCE_CONFIG, relyingParty } from './reference-helpers.ts';

const servers: [string, () => Promise<{ server: RunningServer; stop(): Promise<void> }>][] = [
  [
    'memory store',
    async () => {
      const server = await startTestServer(REFERENCE_CONFIG);
      return { server, stop: () => server.close() };
    },
  ],
  [
    'Redis store',
    async () => {
      const redis: RedisProcess = await startRedis();
      const server = await startRedisServer(await copyConfig(REFERENCE_CONFIG), {
        url: redis.url,
        keyPrefix: 'reference:',
      });
      return {
        server,
        async stop() {
          await server.close();
          await redis.stop();
        },
      };
    },
  ],
];

describe.each(servers)('reference tokens, introspection and revocation (%s)', (_name, start) => {
  let server: RunningServer;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, stop } = await start());
  }, 60_000);
  afterAll(async () => {
    await stop?.();
  }, 60_000);

  const referenceToken = async (clientId = 'reference.client', scope = 'api1') => {
    const config = await relyingParty(server, clientId, 'secret');
    return (await oidc.clientCredentialsGrant(config, { scope })).access_token;
  };
  const introspect = async (caller: string, secret: string, token: string) =>
    oidc.tokenIntrospection(await relyingParty(server, caller, secret), token);

  it('AccessTokenType Reference - client_credentials gets an opaque handle; the token is stored with its audience', async () => {
    const token = await referenceToken();
    expect(token.split('.')).toHaveLength(1);
    expect(() => decodeJwt(token)).toThrow();
    // Stored through the store's adapter: the provider finds it by its handle.
    const stored = await server.provider.ClientCredentials.find(token);
    expect(stored).toMatchObject({ clientId: 'reference.client', scope: 'api1', aud: 'api1' });
  });

  it('the API resource in aud introspects it with its ApiSecret - active, with IdentityServer fields', async () => {
    const token = await referenceToken();
    const answer = await introspect('api1', 'api1-secret', token);
    expect(answer).toMatchObject({
      active: true,
      client_id: 'reference.client',
      scope: 'api1',
      aud: 'api1',
      iss: server.issuer,
      token_type: 'Bearer',
    });
    expect(answer.exp! - answer.iat!).toBe(600);
    expect(answer.cnf).toBeUndefined();
  });

  it('an API resource not in aud gets active:false', async () => {
    const token = await referenceToken('reference.client', 'api1');
    expect(await introspect('api2', 'api2-secret', token)).toEqual({ active: false });
  });

  it('a token for two APIs - each API sees only its own scopes', async () => {
    const token = await referenceToken('reference.client', 'api1 api2');
    const forApi1 = await introspect('api1', 'api1-secret', token);
    const forApi2 = await introspect('api2', 'api2-secret', token);
    expect(forApi1).toMatchObject({ active: true, scope: 'api1', aud: ['api1', 'api2'] });
    expect(forApi2).toMatchObject({ active: true, scope: 'api2', aud: ['api1', 'api2'] });
  });

  it('a wrong ApiSecret, or an API resource without ApiSecrets, is 401 invalid_client', async () => {
    const token = await referenceToken();
    const wrong = await postForm(server, '/connect/introspect', { token }, ['api1', 'api2-secret']);
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const noSecrets = await postForm(server, '/connect/introspect', { token }, ['api1.reports', 'secret']);
    expect(noSecrets).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('an API resource is no client anywhere else - token and revocation endpoints say invalid_client', async () => {
    const token = await referenceToken();
    const asClient = await postForm(server, '/connect/token', { grant_type: 'client_credentials' }, [
      'api1',
      'api1-secret',
    ]);
    expect(asClient).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const revoke = await postForm(server, '/connect/revocation', { token }, ['api1', 'api1-secret']);
    expect(revoke).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await introspect('api1', 'api1-secret', token)).active).toBe(true);
  });

  it('a client introspects its own token (active) but not another client’s (active:false)', async () => {
    const token = await referenceToken();
    expect(await introspect('reference.client', 'secret', token)).toMatchObject({
      active: true,
      client_id: 'reference.client',
    });
    expect(await introspect('other.client', 'secret', token)).toEqual({ active: false });
  });

  it('an unknown token is active:false', async () => {
    expect(await introspect('api1', 'api1-secret', 'not-a-token')).toEqual({ active: false });
  });

  it('revocation by its client - the reference token is inactive afterwards', async () => {
    const token = await referenceToken();
    const config = await relyingParty(server, 'reference.client', 'secret');
    await oidc.tokenRevocation(config, token, { token_type_hint: 'access_token' });
    expect(await introspect('api1', 'api1-secret', token)).toEqual({ active: false });
  });

  it('another client cannot revoke it - invalid_request, and the token stays active', async () => {
    const token = await referenceToken();
    const config = await relyingParty(server, 'other.client', 'secret');
    await expect(oidc.tokenRevocation(config, token)).rejects.toMatchObject({ error: 'invalid_request' });
    expect((await introspect('api1', 'api1-secret', token)).active).toBe(true);
  });

  it('revoking an unknown token is 200 (RFC 7009 §2.2)', async () => {
    const answer = await postForm(server, '/connect/revocation', { token: 'unknown' }, [
      'reference.client',
      'secret',
    ]);
    expect(answer.status).toBe(200);
  });

  it('JWT access tokens - verified with the server keys: active for the API in aud, inactive for others', async () => {
    const config = await relyingParty(server, 'jwt.client', 'secret');
    const { access_token: jwt } = await oidc.clientCredentialsGrant(config, { scope: 'api1' });
    expect(decodeJwt(jwt).aud).toBe('api1');
    expect(await introspect('api1', 'api1-secret', jwt)).toMatchObject({
      active: true,
      client_id: 'jwt.client',
      sub: 'jwt.client',
      scope: 'api1',
      aud: 'api1',
      iss: server.issuer,
      jti: expect.any(String),
    });
    expect(await introspect('api2', 'api2-secret', jwt)).toEqual({ active: false });
    expect(await introspect('jwt.client', 'secret', jwt)).toMatchObject({ active: true });
    expect(await introspect('other.client', 'secret', jwt)).toEqual({ active: false });
    // A changed signature is not ours any more.
    const [header, payload] = jwt.split('.');
    const forged = `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`;
    expect(await introspect('api1', 'api1-secret', forged)).toEqual({ active: false });
  });

  it('introspection without credentials is 401 invalid_client', async () => {
    const token = await referenceToken();
    const answer = await postForm(server, '/connect/introspect', { token });
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  describe('with a user (code flow, reference tokens, refresh token)', () => {
    const redeemFor = async () => {
      const minted = await mintCodeWithApiScope(server, 'web.reference');
      const { status, body } = await redeem(server.url, minted, 'web.reference');
      expect(status).toBe(200);
      return body as { access_token: string; refresh_token: string };
    };

    it('the API resource sees the user: sub, and only its scope', async () => {
      const { access_token } = await redeemFor();
      expect(access_token.split('.')).toHaveLength(1);
      expect(await introspect('api1', 'api1-secret', access_token)).toMatchObject({
        active: true,
        sub: '818727',
        client_id: 'web.reference',
        scope: 'api1',
        aud: 'api1',
      });
    });

    it('revoking the access token leaves the refresh token usable (IdentityServer), and the client sees its refresh token', async () => {
      const { access_token, refresh_token } = await redeemFor();
      const config = await relyingParty(server, 'web.reference', 'secret');
      await oidc.tokenRevocation(config, access_token);
      expect(await introspect('api1', 'api1-secret', access_token)).toEqual({ active: false });
      expect(await introspect('web.reference', 'secret', refresh_token)).toMatchObject({
        active: true,
        client_id: 'web.reference',
      });
      // APIs never see refresh tokens: they have no audience.
      expect(await introspect('api1', 'api1-secret', refresh_token)).toEqual({ active: false });
    });

    it('revoking the refresh token revokes its grant: the access tokens issued with it go too', async () => {
      const { access_token, refresh_token } = await redeemFor();
      const config = await relyingParty(server, 'web.reference', 'secret');
      await oidc.tokenRevocation(config, refresh_token, { token_type_hint: 'refresh_token' });
      expect(await introspect('web.reference', 'secret', refresh_token)).toEqual({ active: false });
      expect(await introspect('api1', 'api1-secret', access_token)).toEqual({ active: false });
    });
  });
});
