import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { SerializedClient } from '@idsrv/model';
import { calculateJwkThumbprint, decodeJwt, EmbeddedJWK, jwtVerify } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

/** Options of {@link dpopFeature}. */
export interface DPoPFeatureOptions {
  /** The server's cookie keys: the nonce secret is derived from the first, so instances sharing them share nonces. */
  cookieKeys?: readonly string[] | undefined;
  /** oidc-provider `features.dPoP` settings given by the caller (`configuration.features.dPoP`); they win. */
  override?: Record<string, unknown> | undefined;
}

/**
 * oidc-provider's `features.dPoP` with the per-client settings of IdentityServer:
 * - `RequireDPoP` is the client's `dpop_bound_access_tokens` (see `toProviderClientMetadata`): a token request without
 *   a proof is refused, and the tokens it gets carry `cnf.jkt`.
 * - `DPoPValidationMode`: `Nonce` and `IatAndNonce` make the token endpoint demand a server nonce (`use_dpop_nonce`
 *   with a `DPoP-Nonce` header, RFC 9449 §8); `Iat` (the default) does not.
 * - `DPoPClockSkew`: in `Iat` and `IatAndNonce` mode a proof whose `iat` is further than this from now is
 *   `invalid_dpop_proof`. (In `Nonce` mode the nonce alone proves freshness, as in IdentityServer.)
 *
 * Nonces need a secret; without one in `override` it is derived from the first cookie key (or random per process when
 * there are none, so nonces then work only against the instance that issued them).
 */
export function dpopFeature(options: DPoPFeatureOptions = {}): Record<string, unknown> {
  const cookieKey = options.cookieKeys?.[0];
  const nonceSecret = cookieKey
    ? Buffer.from(hkdfSync('sha256', cookieKey, '', 'idsrv DPoP nonce secret', 32))
    : randomBytes(32);
  return {
    enabled: true,
    nonceSecret,
    requireNonce: requireDPoPNonce,
    ...options.override,
  };
}

/**
 * oidc-provider's `features.dPoP.requireNonce(ctx)`. It runs (synchronously) whenever a request carries a DPoP proof,
 * before oidc-provider verifies it; at the token endpoint the client is authenticated by then, so this is where the
 * client's `DPoPValidationMode` and `DPoPClockSkew` apply. Reading the proof's `iat` before its signature is checked
 * is safe: the answer can only be a refusal, and a forged proof is refused right after anyway.
 */
export function requireDPoPNonce(ctx: KoaContextWithOIDC): boolean {
  const settings = settingsOf(ctx.oidc?.client);
  if (!settings) return false;
  if (settings.dPoPValidationMode !== 'Nonce') {
    const iat = proofIssuedAt(ctx.get('DPoP'));
    if (iat !== undefined && Math.abs(Date.now() / 1000 - iat) > settings.dPoPClockSkew) {
      throw new errors.InvalidDpopProof('DPoP proof iat is not recent enough');
    }
  }
  return settings.dPoPValidationMode !== 'Iat';
}

function settingsOf(client: unknown): SerializedClient | undefined {
  if (!client) return undefined;
  try {
    return clientSettings(client);
  } catch {
    return undefined; // a client from `configuration.clients`, not the store: oidc-provider's defaults apply
  }
}

function proofIssuedAt(proof: string): number | undefined {
  try {
    const { iat } = decodeJwt(proof);
    return typeof iat === 'number' ? iat : undefined;
  } catch {
    return undefined; // malformed: oidc-provider's own verification refuses it with invalid_dpop_proof
  }
}

/**
 * A step after the token endpoint (`PathRouter.after`): a client with `RequireDPoP` that sends no proof gets
 * `invalid_request` (a required request header is missing, RFC 6749 §5.2) instead of oidc-provider's
 * `invalid_grant`, which would wrongly tell the client its code or refresh token is bad. oidc-provider hides its
 * reason for an `invalid_grant`, so this looks at the request itself: an authenticated DPoP-bound client, no `DPoP`
 * header. (If the grant was bad too, the request is still refused, for the reason the client must fix first.)
 */
export function dpopRequiredErrors() {
  return (ctx: KoaContextWithOIDC): void => {
    if (ctx.status !== 400 || ctx.get('DPoP')) return;
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    const client = oidc?.client as { dpopBoundAccessTokens?: boolean } | undefined;
    const body = ctx.body as { error?: string } | undefined;
    if (client?.dpopBoundAccessTokens && body?.error === 'invalid_grant') {
      ctx.body = {
        error: 'invalid_request',
        error_description: 'the client requires DPoP: send a DPoP proof JWT in the DPoP header (RFC 9449)',
      };
    }
  };
}

/** The request a resource (userinfo) received with a DPoP-bound JWT access token. */
export interface ResourceProofRequest {
  /** The `DPoP` header. */
  proof: string;
  /** The HTTP method and the URL the request was sent to (without query or fragment). */
  method: string;
  url: string;
  accessToken: string;
  /** The token's `cnf.jkt`. */
  jkt: string;
  /** Records the proof's `jti`; resolves to false when it was seen before (oidc-provider's `ReplayDetection`). */
  unique(jti: string, expiresAt: number): Promise<boolean>;
}

/** oidc-provider's default `dPoPSigningAlgValues`, which token requests' proofs are held to as well. */
const DPOP_ALGORITHMS = ['ES256', 'Ed25519', 'EdDSA'];

/**
 * Checks a DPoP proof presented with a DPoP-bound JWT access token at a resource (RFC 9449 §4.3 and §7.1): signed by
 * the key whose thumbprint is the token's `cnf.jkt`, `typ: dpop+jwt`, `htm`/`htu` of this request, `ath` of this
 * token, `iat` within oidc-provider's five minutes, and a `jti` not seen before. oidc-provider checks the same for the
 * opaque tokens it finds itself, but cannot find JWT access tokens, which idsrv's userinfo answers for.
 *
 * @returns an error description, or `undefined` when the proof is good.
 */
export async function checkResourceProof(request: ResourceProofRequest): Promise<string | undefined> {
  let payload: Record<string, unknown>;
  let jwk: Record<string, unknown>;
  try {
    const verified = await jwtVerify(request.proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: DPOP_ALGORITHMS,
    });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as Record<string, unknown>;
  } catch {
    return 'invalid DPoP proof';
  }
  if (payload.htm !== request.method) return 'DPoP proof htm mismatch';
  const htu = typeof payload.htu === 'string' ? URL.parse(payload.htu) : null;
  if (htu) {
    htu.search = '';
    htu.hash = '';
  }
  if (htu?.href !== new URL(request.url).href) return 'DPoP proof htu mismatch';
  if (payload.ath !== createHash('sha256').update(request.accessToken).digest('base64url')) {
    return 'DPoP proof ath mismatch';
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > MAX_PROOF_AGE) {
    return 'DPoP proof iat is not recent enough';
  }
  if (typeof payload.jti !== 'string' || !payload.jti) return 'DPoP proof must have a jti';
  if ((await calculateJwkThumbprint(jwk as never)) !== request.jkt) return 'failed jkt verification';
  if (!(await request.unique(payload.jti, now + MAX_PROOF_AGE))) return 'DPoP proof JWT replay detected';
  return undefined;
}

/** How far (seconds) a proof's `iat` may be from now at a resource: oidc-provider's fixed window. */
const MAX_PROOF_AGE = 300;
