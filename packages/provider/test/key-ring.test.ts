import { defineApiScope, GrantTypes, sha256 } from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, keyRingJwks, rotateKeyRing } from '../src/index.ts';
import { serveProvider } from './serve.ts';

// What oidc-provider does with the JWKS the ring gives it: which key signs, which are published.

async function start(jwks: { keys: JWK[] }) {
  const store = createMemoryStore({
    clients: [
      {
        clientId: 'svc',
        clientSecrets: [{ value: sha256('secret') }],
        allowedGrantTypes: GrantTypes.ClientCredentials,
        allowedScopes: ['api1'],
      },
    ],
    apiScopes: [defineApiScope({ name: 'api1' })],
  });
  const { issuer } = await serveProvider(store, { jwks: jwks as never });
  const token = async () => {
    const response = await fetch(`${issuer}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('svc:secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api1' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const published = async () =>
    (await (await fetch(`${issuer}/.well-known/openid-configuration/jwks`)).json()) as { keys: JWK[] };
  return { issuer, token, published };
}

describe('the key ring in oidc-provider', () => {
  it('a pending key is published but does not sign; once active it signs and the old key still verifies', async () => {
    const a = await generateSigningKey('ES256');
    const b = await generateSigningKey('ES256');
    const now = Date.now();
    const ring = rotateKeyRing({ keys: [a] }, { key: b, now, activationDelay: 3600, retention: 3600 });

    const before = await start(keyRingJwks(ring, now));
    const tokenA = await before.token();
    expect(decodeProtectedHeader(tokenA).kid).toBe(a.kid);
    const jwksBefore = await before.published();
    expect(jwksBefore.keys.map((k) => k.kid)).toEqual([a.kid, b.kid]);
    expect(jwksBefore.keys.some((k) => 'd' in k)).toBe(false);

    // The same ring an hour later, as a server rebuilding its provider at the activation time sees it.
    const after = await start(keyRingJwks(ring, now + 3600_000));
    const tokenB = await after.token();
    expect(decodeProtectedHeader(tokenB).kid).toBe(b.kid);
    const jwksAfter = createLocalJWKSet(await after.published());
    await expect(jwtVerify(tokenA, jwksAfter)).resolves.toBeDefined();
    await expect(jwtVerify(tokenB, jwksAfter)).resolves.toBeDefined();
    // And B's key, published before it signed, verified its tokens for a verifier that cached the earlier JWKS.
    await expect(jwtVerify(tokenB, createLocalJWKSet(jwksBefore))).resolves.toBeDefined();
  });

  it('oidc-provider never signs with a key marked key_ops ["verify"], even when it is listed first', async () => {
    const verifyOnly = { ...(await generateSigningKey('ES256')), key_ops: ['verify'] };
    const signer = await generateSigningKey('ES256');
    const { token, published } = await start({ keys: [verifyOnly, signer] });
    expect(decodeProtectedHeader(await token()).kid).toBe(signer.kid);
    expect((await published()).keys.map((k) => k.kid)).toEqual([verifyOnly.kid, signer.kid]);
  });
});
