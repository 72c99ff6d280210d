import { createHash, randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  type GenerateKeyPairResult,
  generateKeyPair,
  SignJWT,
} from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { startTestServer } from './helpers.ts';
import { REDIRECT_URI } from './redis-helpers.ts';
import { mintCodeWithApiScope, postForm, REFERENCE_CONFIG, relyingParty } from './reference-helpers.ts';

let server: RunningServer;
let keyPair: GenerateKeyPairResult;
let jkt: string;

beforeAll(async () => {
  server = await startTestServer(REFERENCE_CONFIG);
  keyPair = await generateKeyPair('ES256', { extractable: true });
  jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
}, 60_000);
afterAll(async () => {
  await server?.close();
});

/** A DPoP proof JWT (RFC 9449 §4.2) made by hand, so tests can choose its `iat`, `nonce` and `ath`. */
async function proof(
  method: string,
  url: string,
  options: { iat?: number; nonce?: string; accessToken?: string } = {},
): Promise<string> {
  const payload: Record<string, unknown> = { htm: method, htu: url, jti: randomUUID() };
  if (options.nonce) payload.nonce = options.nonce;
  if (options.accessToken) {
    payload.ath = createHash('sha256').update(options.accessToken).digest('base64url');
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keyPair.publicKey) })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .sign(keyPair.privateKey);
}

/** A client_credentials request with a hand-made proof. */
async function tokenWithProof(clientId: string, dpop?: string) {
  const response = await fetch(`${server.issuer}/connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:secret`).toString('base64')}`,
      ...(dpop ? { dpop } : {}),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api1' }),
  });
  return {
    status: response.status,
    nonce: response.headers.get('dpop-nonce'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const introspect = async (token: string) =>
  oidc.tokenIntrospection(await relyingParty(server, 'api1', 'api1-secret'), token);

describe('DPoP (RFC 9449) with openid-client', () => {
  it('RequireDPoP - a JWT access token bound to the key: token_type DPoP, cnf.jkt; introspection shows cnf', async () => {
    const config = await relyingParty(server, 'dpop.client', 'secret');
    const tokens = await oidc.clientCredentialsGrant(
      config,
      { scope: 'api1' },
      { DPoP: oidc.getDPoPHandle(config, keyPair) },
    );
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, cnf: { jkt } });
  });

  it('RequireDPoP with a reference token - introspection shows cnf.jkt and token_type DPoP', async () => {
    const config = await relyingParty(server, 'dpop.reference', 'secret');
    const tokens = await oidc.clientCredentialsGrant(
      config,
      { scope: 'api1' },
      { DPoP: oidc.getDPoPHandle(config, keyPair) },
    );
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(await introspect(tokens.access_token)).toMatchObject({
      active: true,
      client_id: 'dpop.reference',
      token_type: 'DPoP',
      cnf: { jkt },
    });
  });

  it('RequireDPoP - a token request without a proof is 400 invalid_request', async () => {
    const answer = await tokenWithProof('dpop.client');
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
    expect(String(answer.body.error_description)).toContain('DPoP');
  });

  it('a client without RequireDPoP may still bind its token by sending a proof', async () => {
    const answer = await tokenWithProof('jwt.client', await proof('POST', `${server.issuer}/connect/token`));
    expect(answer.status).toBe(200);
    expect(decodeJwt(String(answer.body.access_token)).cnf).toEqual({ jkt });
  });

  it('a proof presented twice is refused (oidc-provider answers invalid_grant)', async () => {
    const once = await proof('POST', `${server.issuer}/connect/token`);
    expect((await tokenWithProof('dpop.client', once)).status).toBe(200);
    expect(await tokenWithProof('dpop.client', once)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });

  it('an invalid proof (wrong htu) is 400 invalid_dpop_proof', async () => {
    const answer = await tokenWithProof('dpop.client', await proof('POST', `${server.issuer}/elsewhere`));
    expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
  });

  it('DPoPValidationMode Nonce - a proof without a server nonce gets use_dpop_nonce and a DPoP-Nonce; with it, a token', async () => {
    const url = `${server.issuer}/connect/token`;
    const first = await tokenWithProof('dpop.nonce', await proof('POST', url));
    expect(first).toMatchObject({ status: 400, body: { error: 'use_dpop_nonce' } });
    expect(first.nonce).toEqual(expect.any(String));
    const second = await tokenWithProof('dpop.nonce', await proof('POST', url, { nonce: first.nonce! }));
    expect(second.status).toBe(200);
    expect(second.body.token_type).toBe('DPoP');
  });

  it('DPoPValidationMode Nonce - openid-client follows the nonce challenge by itself', async () => {
    const config = await relyingParty(server, 'dpop.nonce', 'secret');
    const DPoP = oidc.getDPoPHandle(config, keyPair);
    // openid-client retries once, with the nonce, after a use_dpop_nonce answer.
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api1' }, { DPoP });
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });
  });

  it('DPoPValidationMode IatAndNonce - the nonce is demanded and the iat still checked', async () => {
    const url = `${server.issuer}/connect/token`;
    const first = await tokenWithProof('dpop.iat-nonce', await proof('POST', url));
    expect(first).toMatchObject({ status: 400, body: { error: 'use_dpop_nonce' } });
    const nonce = first.nonce!;
    const stale = await proof('POST', url, { nonce, iat: Math.floor(Date.now() / 1000) - 60 });
    expect(await tokenWithProof('dpop.iat-nonce', stale)).toMatchObject({
      status: 400,
      body: { error: 'invalid_dpop_proof' },
    });
    const fresh = await tokenWithProof('dpop.iat-nonce', await proof('POST', url, { nonce }));
    expect(fresh.status).toBe(200);
  });

  it('DPoPValidationMode Nonce - with a valid nonce the iat is not what counts', async () => {
    const url = `${server.issuer}/connect/token`;
    const { nonce } = await tokenWithProof('dpop.nonce', await proof('POST', url));
    const old = await proof('POST', url, { nonce: nonce!, iat: Math.floor(Date.now() / 1000) - 60 * 10 });
    expect((await tokenWithProof('dpop.nonce', old)).status).toBe(200);
  });

  it('DPoPValidationMode Iat (default) - no nonce is demanded', async () => {
    const answer = await tokenWithProof('dpop.client', await proof('POST', `${server.issuer}/connect/token`));
    expect(answer.status).toBe(200);
  });

  it('DPoPClockSkew 00:00:10 - a proof 60 s old is invalid_dpop_proof; the same age is fine with the default 5 min', async () => {
    const url = `${server.issuer}/connect/token`;
    const old = () => proof('POST', url, { iat: Math.floor(Date.now() / 1000) - 60 });
    const strict = await tokenWithProof('dpop.skew', await old());
    expect(strict).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
    expect((await tokenWithProof('dpop.client', await old())).status).toBe(200);
    expect((await tokenWithProof('dpop.skew', await proof('POST', url))).status).toBe(200);
  });

  describe.each([
    ['an opaque token without audience (oidc-provider checks it)', 'dpop.web', 'openid'],
    ['a JWT API token (idsrv checks it)', 'dpop.web', 'openid api1'],
    ['a reference API token (idsrv checks it)', 'dpop.web.reference', 'openid api1'],
  ])('userinfo with a DPoP-bound user token: %s', (_name, clientId, scope) => {
    const bound = async () => {
      const minted = await mintCodeWithApiScope(server, clientId, scope);
      const tokenUrl = `${server.issuer}/connect/token`;
      const response = await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:secret`).toString('base64')}`,
          dpop: await proof('POST', tokenUrl),
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: minted.code,
          code_verifier: minted.verifier,
          redirect_uri: REDIRECT_URI,
        }),
      });
      const body = (await response.json()) as { access_token: string; token_type: string };
      expect(response.status).toBe(200);
      expect(body.token_type).toBe('DPoP');
      return body.access_token;
    };
    const userinfoUrl = () => `${server.issuer}/connect/userinfo`;
    const userinfo = (headers: Record<string, string>) => fetch(userinfoUrl(), { headers });

    it('presented as a Bearer token it is refused (401 invalid_token)', async () => {
      const token = await bound();
      const response = await userinfo({ authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_token');
    });

    it('presented with the DPoP scheme and a proof of the key it answers', async () => {
      const token = await bound();
      const response = await userinfo({
        authorization: `DPoP ${token}`,
        dpop: await proof('GET', userinfoUrl(), { accessToken: token }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ sub: '818727' });
    });

    it('a proof without ath, of another key, or presented twice is refused with 401', async () => {
      const token = await bound();
      const noAth = await userinfo({
        authorization: `DPoP ${token}`,
        dpop: await proof('GET', userinfoUrl()),
      });
      expect(noAth.status).toBe(401);
      const other = await generateKeyPair('ES256', { extractable: true });
      const foreign = await new SignJWT({
        htm: 'GET',
        htu: userinfoUrl(),
        jti: randomUUID(),
        ath: createHash('sha256').update(token).digest('base64url'),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(other.publicKey) })
        .setIssuedAt()
        .sign(other.privateKey);
      expect((await userinfo({ authorization: `DPoP ${token}`, dpop: foreign })).status).toBe(401);
      const once = await proof('GET', userinfoUrl(), { accessToken: token });
      expect((await userinfo({ authorization: `DPoP ${token}`, dpop: once })).status).toBe(200);
      expect((await userinfo({ authorization: `DPoP ${token}`, dpop: once })).status).toBe(401);
    });
  });

  describe('RequireDPoP at the code redemption', () => {
    it('the code redemption itself needs the proof: without it, invalid_request', async () => {
      const minted = await mintCodeWithApiScope(server, 'dpop.web', 'openid');
      const answer = await postForm(
        server,
        '/connect/token',
        {
          grant_type: 'authorization_code',
          code: minted.code,
          code_verifier: minted.verifier,
          redirect_uri: REDIRECT_URI,
        },
        ['dpop.web', 'secret'],
      );
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    });
  });
});
