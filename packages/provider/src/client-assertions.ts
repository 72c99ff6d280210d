import { createHash } from 'node:crypto';
import { type OidcAdapter, type OidcPayload, SecretTypes, type SerializedClient } from '@idsrv/model';
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
 * - the `jti` replay check (oidc-provider's `ReplayDetection`) is one atomic insert in the store, so two concurrent
 *   requests with one assertion cannot both pass it, on one instance or many (see {@link installReplayDetection}).
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

  installReplayDetection(provider);
}

/**
 * oidc-provider's `ReplayDetection.unique(iss, jti, exp)` — called for every client assertion (`private_key_jwt`),
 * every DPoP proof and idsrv's userinfo DPoP check — looks the marker up and then stores it: two concurrent uses of
 * one `jti` can both find nothing and both pass, on two instances of one Redis as well as in one process. With a store
 * whose adapter has `insert` (every idsrv store), the marker is stored by one atomic insert-if-absent instead, so
 * exactly one use passes wherever the requests land. The marker is oidc-provider's own record (same id, same payload),
 * kept until `exp` (at least a second). An adapter without `insert` keeps oidc-provider's look-up-then-store,
 * serialised per `jti` inside this process.
 */
function installReplayDetection(provider: Provider): void {
  type ReplayModel = {
    adapter: Partial<OidcAdapter>;
    instantiate(payload: Record<string, unknown>): {
      exp?: number;
      getValueAndPayload(): Promise<{ payload: OidcPayload }>;
    };
    unique(iss: string, jti: string, exp: number): Promise<boolean>;
  };
  const replay = provider.ReplayDetection as unknown as ReplayModel;
  const lookUpThenStore = serialisePerJti(replay.unique.bind(replay));
  replay.unique = async (iss, jti, exp) => {
    const adapter = replay.adapter;
    if (typeof adapter.insert !== 'function') return lookUpThenStore(iss, jti, exp);
    // The id oidc-provider gives the marker, so a marker stored either way is found by the other.
    const id = createHash('sha256').update(`${iss}${jti}`).digest('base64url');
    const now = Math.floor(Date.now() / 1000);
    const lifetime = Math.max(1, exp - now);
    const marker = replay.instantiate({ jti: id, iss });
    marker.exp = now + lifetime;
    const { payload } = await marker.getValueAndPayload();
    return adapter.insert(id, payload, lifetime);
  };
}

/** `unique`, with concurrent calls for one (iss, jti) run one after the other inside this process. */
function serialisePerJti(
  unique: (iss: string, jti: string, exp: number) => Promise<boolean>,
): (iss: string, jti: string, exp: number) => Promise<boolean> {
  const inFlight = new Map<string, Promise<boolean>>();
  return (iss, jti, exp) => {
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
