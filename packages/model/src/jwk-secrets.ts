/**
 * JWK members that only private (or symmetric) keys have (RFC 7518 §6.2.2, §6.3.2, §6.4.1). A client secret of type
 * `JWK` is the client's *public* key: the token service verifies `private_key_jwt` assertions and request objects
 * with it, so a private member there means the client's private key was pasted into the server's configuration.
 */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Why a `JWK` secret value cannot be used, as a validation rule id and message; `undefined` when it can. */
export interface JwkSecretProblem {
  rule: 'secret-jwk-invalid' | 'secret-jwk-private';
  message: string;
}

/**
 * Checks the `Value` of a `JWK` client secret, which IdentityServer's configuration writes as the JSON text of one
 * JSON Web Key (`"Value": "{\"kty\":\"EC\",\"crv\":\"P-256\",…}"`): it must be a JSON object with a `kty`, and it must
 * be a public key — no private members, no symmetric (`oct`) key, since idsrv accepts no HS* client assertions.
 *
 * @example
 * jwkSecretProblem('{"kty":"EC","crv":"P-256","x":"…","y":"…"}'); // undefined
 * jwkSecretProblem('{"kty":"EC","crv":"P-256","x":"…","y":"…","d":"…"}'); // { rule: 'secret-jwk-private', … }
 */
export function jwkSecretProblem(value: string): JwkSecretProblem | undefined {
  let jwk: unknown;
  try {
    jwk = JSON.parse(value);
  } catch {
    jwk = undefined;
  }
  if (typeof jwk !== 'object' || jwk === null || typeof (jwk as { kty?: unknown }).kty !== 'string') {
    return { rule: 'secret-jwk-invalid', message: 'a JWK secret must be a JSON Web Key object with a "kty"' };
  }
  if ((jwk as { kty: string }).kty === 'oct') {
    return {
      rule: 'secret-jwk-private',
      message:
        'a JWK secret must be a public key: a symmetric key (kty "oct") cannot be used, because idsrv accepts only asymmetric client assertions',
    };
  }
  const found = PRIVATE_JWK_MEMBERS.filter((member) => member in (jwk as object));
  if (found.length > 0) {
    return {
      rule: 'secret-jwk-private',
      message: `a JWK secret must be the client's public key, but it has private key members (${found.map((m) => `"${m}"`).join(', ')}); remove them and keep the private key with the client only`,
    };
  }
  return undefined;
}
