import { createHash, randomUUID } from 'node:crypto';
import { type ClientInput, defineClient, serializeClient } from '@idsrv/model';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkResourceProof, type ResourceProofRequest, requireDPoPNonce } from './dpop.ts';

const URL_ = 'https://id.example.com/connect/userinfo';
const TOKEN = 'access-token';
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let jkt: string;

beforeAll(async () => {
  keys = await generateKeyPair('ES256', { extractable: true });
  jkt = await calculateJwkThumbprint(await exportJWK(keys.publicKey));
});

async function proof(claims: Record<string, unknown> = {}, typ = 'dpop+jwt') {
  return new SignJWT({
    htm: 'GET',
    htu: URL_,
    jti: randomUUID(),
    ath: createHash('sha256').update(TOKEN).digest('base64url'),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ, jwk: await exportJWK(keys.publicKey) })
    .setIssuedAt(typeof claims.iat === 'number' ? claims.iat : Math.floor(Date.now() / 1000))
    .sign(keys.privateKey);
}

function request(proofJwt: string, overrides: Partial<ResourceProofRequest> = {}): ResourceProofRequest {
  const seen = new Set<string>();
  return {
    proof: proofJwt,
    method: 'GET',
    url: URL_,
    accessToken: TOKEN,
    jkt,
    unique: async (jti) => !seen.has(jti) && Boolean(seen.add(jti)),
    ...overrides,
  };
}

describe('checkResourceProof', () => {
  it('accepts a proof of the bound key for this request and token (a query string in htu is ignored)', async () => {
    expect(await checkResourceProof(request(await proof()))).toBeUndefined();
    expect(await checkResourceProof(request(await proof({ htu: `${URL_}?x=1` })))).toBeUndefined();
  });

  it.each([
    ['another method', { htm: 'POST' }, 'DPoP proof htm mismatch'],
    ['another URL', { htu: 'https://id.example.com/other' }, 'DPoP proof htu mismatch'],
    ['another token', { ath: 'x' }, 'DPoP proof ath mismatch'],
    [
      'an iat six minutes old',
      { iat: Math.floor(Date.now() / 1000) - 360 },
      'DPoP proof iat is not recent enough',
    ],
  ])('refuses a proof for %s', async (_what, claims, message) => {
    expect(await checkResourceProof(request(await proof(claims)))).toBe(message);
  });

  it('refuses a proof of another key, one that is not typ dpop+jwt, and garbage', async () => {
    expect(await checkResourceProof(request(await proof(), { jkt: 'other' }))).toBe(
      'failed jkt verification',
    );
    expect(await checkResourceProof(request(await proof({}, 'JWT')))).toBe('invalid DPoP proof');
    expect(await checkResourceProof(request('not.a.jwt'))).toBe('invalid DPoP proof');
    expect(await checkResourceProof(request(''))).toBe('invalid DPoP proof');
  });

  it('refuses a proof whose jti was seen before', async () => {
    const once = await proof();
    const req = request(once);
    expect(await checkResourceProof(req)).toBeUndefined();
    expect(await checkResourceProof(req)).toBe('DPoP proof JWT replay detected');
  });
});

describe('requireDPoPNonce', () => {
  const ctx = (overrides: Partial<ClientInput>, dpop: string) => {
    const settings = serializeClient(
      defineClient({
        clientId: 'c',
        allowedGrantTypes: ['client_credentials'],
        clientSecrets: [{ value: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' }],
        ...overrides,
      }),
    );
    const client = { clientId: 'c', constructor: { adapter: { settingsFor: () => settings } } };
    return { oidc: { client }, get: () => dpop } as unknown as KoaContextWithOIDC;
  };
  const aged = (seconds: number) => proof({ iat: Math.floor(Date.now() / 1000) - seconds });

  it('asks for a nonce in Nonce and IatAndNonce mode, not in Iat mode', async () => {
    const fresh = await aged(0);
    expect(requireDPoPNonce(ctx({}, fresh))).toBe(false);
    expect(requireDPoPNonce(ctx({ dPoPValidationMode: 'Nonce' }, fresh))).toBe(true);
    expect(requireDPoPNonce(ctx({ dPoPValidationMode: 'IatAndNonce' }, fresh))).toBe(true);
  });

  it('holds the iat to the client DPoPClockSkew, except in Nonce mode', async () => {
    const old = await aged(60);
    const stale = expect.objectContaining({
      error: 'invalid_dpop_proof',
      error_description: 'DPoP proof iat is not recent enough',
    });
    expect(() => requireDPoPNonce(ctx({ dPoPClockSkew: 30 }, old))).toThrow(stale);
    expect(() =>
      requireDPoPNonce(ctx({ dPoPClockSkew: 30, dPoPValidationMode: 'IatAndNonce' }, old)),
    ).toThrow(stale);
    expect(requireDPoPNonce(ctx({ dPoPClockSkew: 30, dPoPValidationMode: 'Nonce' }, old))).toBe(true);
    expect(requireDPoPNonce(ctx({}, old))).toBe(false);
  });

  it('leaves requests without an idsrv client to oidc-provider', () => {
    expect(requireDPoPNonce({ oidc: {}, get: () => '' } as unknown as KoaContextWithOIDC)).toBe(false);
  });
});
