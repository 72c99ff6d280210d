import { SecretTypes, type SerializedClient } from '@idsrv/model';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

/**
 * `private_key_jwt` the IdentityServer way, on top of what oidc-provider already checks for a client assertion
 * (signature with the client's `jwks`, `iss` = `sub` = client_id, `aud` = the issuer, the token endpoint URL or the
 * endpoint's URL, `exp` present, `jti` present and unused):
 *
 * - a client with both `JWK` and `SharedSecret` secrets may authenticate with either, as in IdentityServer (whose
 *   secret validators each try their own kind). oidc-provider allows one `token_endpoint_auth_method` per client; the
 *   model maps such a client to `client_secret_basic` with its `jwks`, and this lets an assertion through as
 *   `private_key_jwt` for that request;
 * - a `JWK` secret past its `Expiration` no longer verifies assertions (see {@link assertUnexpiredJwk});
 * - the `jti` replay check (oidc-provider's `ReplayDetection`: look up, then store until `exp`) is serialised per
 *   `jti` inside this process, so two concurrent requests with one assertion cannot both pass it.
 */
export function installClientAssertionRules(provider: Provider): void {
  const prototype = provider.Client.prototype as object;
  const original = Object.getOwnPropertyDescriptor(prototype, 'clientAuthMethod')?.get;
  if (!original) throw new TypeError('oidc-provider Client has no clientAuthMethod getter');
  Object.defineProperty(prototype, 'clientAuthMethod', {
    configurable: true,
    get(this: { jwks?: unknown }) {
      const registered = original.call(this) as string;
      if (registered !== 'client_secret_basic' || !this.jwks) return registered;
      // oidc-provider's own request context (an AsyncLocalStorage it sets for every request).
      const ctx = Provider.ctx as KoaContextWithOIDC | undefined;
      const presented = ctx?.oidc?.params?.client_assertion;
      return presented !== undefined && hasSharedSecret(clientSettings(this))
        ? 'private_key_jwt'
        : registered;
    },
  });

  const replay = provider.ReplayDetection;
  const unique = replay.unique.bind(replay);
  const inFlight = new Map<string, Promise<boolean>>();
  replay.unique = (iss: string, jti: string, exp: number): Promise<boolean> => {
    const key = JSON.stringify([iss, jti]);
    // The second of two concurrent calls starts after the first stored its record, and so finds it.
    const run = (inFlight.get(key) ?? Promise.resolve(true))
      .catch(() => true)
      .then(() => unique(iss, jti, exp));
    inFlight.set(key, run);
    const forget = () => {
      if (inFlight.get(key) === run) inFlight.delete(key);
    };
    run.then(forget, forget);
    return run;
  };
}

function hasSharedSecret(settings: SerializedClient): boolean {
  return settings.clientSecrets.some((s) => s.type === SecretTypes.SharedSecret);
}

/**
 * oidc-provider's `assertJwtClientAuthClaimsAndHeader`: IdentityServer ignores expired secrets, JWKs included, but
 * oidc-provider knows nothing of a key's expiration. For a client with a dated `JWK` secret the assertion (already
 * verified by oidc-provider) must also verify with a key that has not expired; clients whose JWKs have no
 * `Expiration` cost nothing more.
 */
export async function assertUnexpiredJwk(
  ctx: KoaContextWithOIDC,
  _claims: unknown,
  _header: unknown,
  client: unknown,
): Promise<void> {
  const jwks = clientSettings(client).clientSecrets.filter((s) => s.type === SecretTypes.JsonWebKey);
  if (!jwks.some((s) => s.expiration !== undefined)) return;
  const now = Date.now();
  const current = jwks.filter((s) => s.expiration === undefined || now <= Date.parse(s.expiration));
  const keys = { keys: current.map((s) => JSON.parse(s.value) as Record<string, unknown>) } as JSONWebKeySet;
  try {
    await compactVerify(String(ctx.oidc.params?.client_assertion), createLocalJWKSet(keys));
  } catch (cause) {
    throw new errors.InvalidClientAuth({
      detail: 'the client assertion is not signed with an unexpired key',
      cause,
    });
  }
}
