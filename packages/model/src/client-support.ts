import type { Client } from './client.ts';
import { GrantType } from './grant-types.ts';
import { SecretTypes } from './secrets.ts';

type Ok = (...fields: (keyof Client)[]) => boolean;
type Add = (field: (string | number)[], rule: string, message: string) => void;

/**
 * The messages of the rules that refuse client properties idsrv cannot honour. A property IdentityServer has but idsrv
 * does not implement is refused rather than accepted and ignored, so that nobody relies on a setting that does
 * nothing. The README's property table quotes these messages.
 */
export const UNSUPPORTED_PROPERTY_MESSAGES = {
  allowPlainTextPkce:
    "AllowPlainTextPkce is true, but idsrv (oidc-provider) supports only the 'S256' PKCE method; remove it and send S256 challenges",
  enableLocalLogin:
    'EnableLocalLogin is false, but idsrv has no external identity providers: local login is the only way to sign in',
  identityProviderRestrictions:
    'IdentityProviderRestrictions is not empty, but no external identity providers are configured; idsrv has only local login',
  pairWiseSubjectSalt:
    'PairWiseSubjectSalt is set, but idsrv issues public subject identifiers only (pairwise subjects are not implemented)',
  ciba: `the CIBA grant (${GrantType.Ciba}) is not supported by idsrv`,
  jwtBearer: `the JWT bearer grant (${GrantType.JwtBearer}) is not supported by idsrv`,
  cibaLifetime: 'CibaLifetime is set, but idsrv does not support CIBA',
  x509Secret:
    "X.509 secrets (mutual TLS client authentication) are not supported by idsrv: use a hashed 'SharedSecret' or a 'JWK' (private_key_jwt)",
  requestObjectKey:
    "RequireRequestObject is true, but the client has no 'JWK' secret: idsrv verifies request objects with the client's public keys (HS256 needs the plaintext secret, which idsrv never keeps)",
} as const;

/**
 * The rules for properties idsrv refuses (see {@link UNSUPPORTED_PROPERTY_MESSAGES}); called by
 * `validateClientDefinition`, with its `ok` (the property parsed) and `add` (report an issue) helpers.
 */
export function checkUnsupportedProperties(client: Client, ok: Ok, add: Add): void {
  const m = UNSUPPORTED_PROPERTY_MESSAGES;
  if (ok('allowPlainTextPkce') && client.allowPlainTextPkce) {
    add(['allowPlainTextPkce'], 'pkce-plain-unsupported', m.allowPlainTextPkce);
  }
  if (ok('enableLocalLogin') && !client.enableLocalLogin) {
    add(['enableLocalLogin'], 'local-login-required', m.enableLocalLogin);
  }
  if (ok('identityProviderRestrictions') && client.identityProviderRestrictions.length > 0) {
    add(['identityProviderRestrictions'], 'identity-provider-unknown', m.identityProviderRestrictions);
  }
  if (ok('pairWiseSubjectSalt') && client.pairWiseSubjectSalt !== undefined) {
    add(['pairWiseSubjectSalt'], 'pairwise-subject-unsupported', m.pairWiseSubjectSalt);
  }
  if (ok('allowedGrantTypes')) {
    // IdentityServer grants idsrv does not serve; oidc-provider would refuse the client's metadata on every request.
    client.allowedGrantTypes.forEach((grant, i) => {
      if (grant === GrantType.Ciba) add(['allowedGrantTypes', i], 'grant-type-unsupported', m.ciba);
      if (grant === GrantType.JwtBearer) add(['allowedGrantTypes', i], 'grant-type-unsupported', m.jwtBearer);
    });
  }
  if (ok('cibaLifetime') && client.cibaLifetime !== undefined) {
    add(['cibaLifetime'], 'ciba-unsupported', m.cibaLifetime);
  }
  if (
    ok('requireRequestObject', 'clientSecrets') &&
    client.requireRequestObject &&
    !client.clientSecrets.some((s) => s.type === SecretTypes.JsonWebKey)
  ) {
    add(['requireRequestObject'], 'request-object-key-required', m.requestObjectKey);
  }
  if (ok('clientSecrets')) {
    // Accepted and never usable (no mTLS), such a secret would only make the client fail to authenticate, silently.
    client.clientSecrets.forEach((secret, i) => {
      if (secret.type.startsWith('X509'))
        add(['clientSecrets', i, 'type'], 'secret-type-unsupported', m.x509Secret);
    });
  }
}
