import type Provider from 'oidc-provider';
import { thenMaybe } from './maybe-promise.ts';
import { audienceFor } from './token-claims.ts';

type AudienceOptions = Parameters<typeof audienceFor>[1];

interface OpaqueToken {
  format?: string;
  aud?: string | string[];
  scope?: string | undefined;
  resourceServer?: { audience?: string | undefined } | undefined;
}

interface TokenModel {
  // oidc-provider awaits what it returns.
  prototype: { getValueAndPayload(this: OpaqueToken): unknown };
}

/**
 * Stores IdentityServer's `aud` in reference (opaque) access tokens: every API resource whose scopes the token
 * carries, computed at issuance like the JWTs' (see `audienceFor`). oidc-provider would store only the resource
 * indicator the token was issued for — `{issuer}/resources` for idsrv's aggregate resource — so without this an API
 * resource could never find itself in a reference token's audience at introspection.
 *
 * oidc-provider offers no hook between resolving a token's format and storing its payload, so this wraps the two
 * models' `getValueAndPayload` (per Provider: each has its own model classes). JWT access tokens are untouched; their
 * `aud` is set by the JWT customizer.
 */
export function storeReferenceTokenAudience(provider: Provider, options: AudienceOptions): void {
  const models = provider as unknown as { AccessToken: TokenModel; ClientCredentials: TokenModel };
  for (const Model of [models.AccessToken, models.ClientCredentials]) {
    const original = Model.prototype.getValueAndPayload;
    // Not async: a JWT, or an audience known at once, passes straight through without a promise of its own.
    Model.prototype.getValueAndPayload = function withAudience(this: OpaqueToken) {
      if (this.format !== 'opaque' || !this.resourceServer) return original.call(this);
      return thenMaybe(audienceFor(this, options), (aud) => {
        this.aud = aud;
        return original.call(this);
      });
    };
  }
}
