import { type Client, type ClientInput, clientSchema } from './client.ts';
import { checkUnsupportedProperties } from './client-support.ts';
import { checkDPoPSettings } from './dpop-rules.ts';
import { ModelValidationError, type ValidationIssue } from './errors.ts';
import { GrantType, validateGrantTypes } from './grant-types.ts';
import { jwkSecretProblem } from './jwk-secrets.ts';
import { parseLeniently } from './lenient-parse.ts';
import { closestName } from './names.ts';
import { isHashedSecret, SecretTypes } from './secrets.ts';
import { isUserCodeType, USER_CODE_TYPES } from './user-code-types.ts';

/** What the client rules may check a definition against. */
export interface ClientValidationContext {
  /**
   * Scope names that exist (identity resources and API scopes). When given, every `allowedScopes` entry must be one
   * of them (or `offline_access`); when omitted, scopes are not checked.
   */
  knownScopes?: ReadonlySet<string>;
}

/** The outcome of validating one client: the client with defaults applied when there are no issues. */
export interface ClientValidationResult {
  client: Client | undefined;
  issues: ValidationIssue[];
}

/** URI schemes IdentityServer refuses in redirect and post-logout redirect URIs. */
export const FORBIDDEN_REDIRECT_SCHEMES = [
  'javascript:',
  'file:',
  'data:',
  'mailto:',
  'ftp:',
  'blob:',
  'about:',
  'ssh:',
  'tel:',
  'view-source:',
  'ws:',
  'wss:',
] as const;

/** Asymmetric JWS algorithms usable for identity tokens (IdentityServer signs them with its own keys only). */
export const ASYMMETRIC_SIGNING_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** @internal shared with the API resource rules. */
export const SECRET_NOT_HASHED_MESSAGE =
  'a SharedSecret value must be the Base64 SHA-256 or SHA-512 hash of the secret (sha256("…")), never the plaintext';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Grant types that never issue refresh tokens; `allowOfflineAccess` means nothing when a client has only these.
 * Listed this way round so that extension grants (any other string) keep the benefit of the doubt: IdentityServer's
 * extension grant validators may issue refresh tokens.
 */
const NON_REFRESH_GRANTS = new Set<string>([
  GrantType.Implicit,
  GrantType.ClientCredentials,
  GrantType.RefreshToken,
]);

const GRANTS_WITH_REDIRECT = [GrantType.AuthorizationCode, GrantType.Hybrid, GrantType.Implicit] as const;

/**
 * Applies defaults and checks one client against every rule of IdentityServer's `DefaultClientConfigurationValidator`
 * and idsrv's own (exact, fragment-free redirect URIs; `http` only on loopback; hashed secrets; known scopes …).
 * Reports every problem, not only the first.
 *
 * @param path where the client is, prefixed to every issue's path (`['clients', 1]`).
 */
export function validateClientDefinition(
  input: unknown,
  path: (string | number)[] = [],
  context: ClientValidationContext = {},
): ClientValidationResult {
  const { value: client, broken, issues } = parseLeniently<Client>(clientSchema.shape, input, path);
  const ok = (...fields: (keyof Client)[]) => fields.every((f) => !broken.has(f));
  const add = (field: (string | number)[], rule: string, message: string) =>
    issues.push({ path: [...path, ...field], rule, message });

  if (ok('protocolType') && client.protocolType !== 'oidc') {
    add(
      ['protocolType'],
      'protocol-type-unsupported',
      `protocol type '${client.protocolType}' is not supported; idsrv serves 'oidc' only`,
    );
  }

  if (ok('allowedGrantTypes')) {
    const grants = client.allowedGrantTypes;
    if (grants.length === 0)
      add(['allowedGrantTypes'], 'grant-type-required', 'no allowed grant type specified');
    issues.push(...validateGrantTypes(grants, [...path, 'allowedGrantTypes']));

    if (
      ok('redirectUris') &&
      client.redirectUris.length === 0 &&
      GRANTS_WITH_REDIRECT.some((g) => grants.includes(g))
    ) {
      add(['redirectUris'], 'redirect-uri-required', 'No redirect URI configured.');
    }

    if (ok('requireClientSecret', 'clientSecrets')) {
      const needsSecret = grants.find((g) => g !== GrantType.Implicit);
      if (client.requireClientSecret && client.clientSecrets.length === 0 && needsSecret !== undefined) {
        add(
          ['clientSecrets'],
          'secret-required',
          `Client secret is required for ${needsSecret}, but no client secret is configured.`,
        );
      }
      if (!client.requireClientSecret && grants.includes(GrantType.ClientCredentials)) {
        add(
          ['requireClientSecret'],
          'client-credentials-public',
          'RequireClientSecret is false, but client is using client credentials grant type.',
        );
      }
    }

    if (ok('allowOfflineAccess') && client.allowOfflineAccess && grants.length > 0) {
      if (grants.every((g) => NON_REFRESH_GRANTS.has(g))) {
        add(
          ['allowOfflineAccess'],
          'offline-access-grant',
          `AllowOfflineAccess is true, but none of the allowed grant types (${grants.join(', ')}) can issue refresh tokens.`,
        );
      }
    }
  }

  checkLifetimes(client, ok, add);
  checkUnsupportedProperties(client, ok, add);
  checkDPoPSettings(client, ok, add);
  // IdentityServer checks the device code lifetime only for clients that may use the device flow.
  if (
    ok('deviceCodeLifetime', 'allowedGrantTypes') &&
    client.allowedGrantTypes.includes(GrantType.DeviceFlow) &&
    client.deviceCodeLifetime <= 0
  ) {
    add(['deviceCodeLifetime'], 'lifetime-not-positive', 'device code lifetime is 0 or negative');
  }
  if (ok('userCodeType') && client.userCodeType !== undefined && !isUserCodeType(client.userCodeType)) {
    const suggestion = closestName(client.userCodeType, Object.keys(USER_CODE_TYPES));
    add(
      ['userCodeType'],
      'user-code-type-unknown',
      `user code type '${client.userCodeType}' is not supported; use one of ${Object.keys(USER_CODE_TYPES).join(', ')}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
    );
  }

  if (ok('redirectUris')) {
    client.redirectUris.forEach((uri, i) => {
      checkRedirectUri(uri, 'redirect URI', (rule, message) => add(['redirectUris', i], rule, message));
    });
  }
  if (ok('postLogoutRedirectUris')) {
    client.postLogoutRedirectUris.forEach((uri, i) => {
      checkRedirectUri(uri, 'post-logout redirect URI', (rule, message) =>
        add(['postLogoutRedirectUris', i], rule, message),
      );
    });
  }
  for (const field of [
    'clientUri',
    'logoUri',
    'frontChannelLogoutUri',
    'backChannelLogoutUri',
    'initiateLoginUri',
  ] as const) {
    const uri = client[field];
    if (ok(field) && uri !== undefined && !isWebUrl(uri)) {
      add([field], 'uri-invalid', `'${uri}' is not an absolute http or https URL`);
    }
  }
  if (
    ok('initiateLoginUri') &&
    client.initiateLoginUri !== undefined &&
    isWebUrl(client.initiateLoginUri) &&
    new URL(client.initiateLoginUri).protocol !== 'https:'
  ) {
    add(
      ['initiateLoginUri'],
      'uri-not-https',
      'initiate_login_uri must use https (OpenID Connect Registration §2)',
    );
  }

  if (ok('allowedCorsOrigins')) {
    client.allowedCorsOrigins.forEach((origin, i) => {
      if (!isOrigin(origin)) {
        add(
          ['allowedCorsOrigins', i],
          'cors-origin-invalid',
          origin.trim() === ''
            ? 'AllowedCorsOrigins contains invalid origin. There is an empty value.'
            : `AllowedCorsOrigins contains invalid origin: ${origin}`,
        );
      }
    });
  }

  if (ok('clientSecrets')) {
    client.clientSecrets.forEach((secret, i) => {
      if (secret.type === SecretTypes.SharedSecret && !isHashedSecret(secret.value)) {
        add(['clientSecrets', i, 'value'], 'secret-not-hashed', SECRET_NOT_HASHED_MESSAGE);
      }
      const jwkProblem = secret.type === SecretTypes.JsonWebKey ? jwkSecretProblem(secret.value) : undefined;
      if (jwkProblem) add(['clientSecrets', i, 'value'], jwkProblem.rule, jwkProblem.message);
    });
  }

  if (ok('allowedIdentityTokenSigningAlgorithms')) {
    client.allowedIdentityTokenSigningAlgorithms.forEach((alg, i) => {
      if (!(ASYMMETRIC_SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
        add(
          ['allowedIdentityTokenSigningAlgorithms', i],
          'signing-algorithm-unknown',
          `'${alg}' is not an asymmetric signing algorithm (${ASYMMETRIC_SIGNING_ALGORITHMS.join(', ')})`,
        );
      }
    });
  }

  if (ok('allowedScopes') && context.knownScopes) {
    client.allowedScopes.forEach((scope, i) => {
      if (scope !== 'offline_access' && !context.knownScopes!.has(scope)) {
        add(
          ['allowedScopes', i],
          'allowed-scope-unknown',
          `scope '${scope}' is not defined as an identity resource or an API scope`,
        );
      }
    });
  }

  return { client: issues.length === 0 ? client : undefined, issues };
}

function checkLifetimes(
  client: Client,
  ok: (...fields: (keyof Client)[]) => boolean,
  add: (field: (string | number)[], rule: string, message: string) => void,
): void {
  // IdentityServer's messages for the lifetimes it checks, then the ones idsrv adds.
  const positive: [keyof Client, string][] = [
    ['accessTokenLifetime', 'access token lifetime is 0 or negative'],
    ['identityTokenLifetime', 'identity token lifetime is 0 or negative'],
    ['authorizationCodeLifetime', 'authorization code lifetime is 0 or negative'],
    ['consentLifetime', 'consent lifetime is 0 or negative'],
    ['userSsoLifetime', 'user SSO lifetime is 0 or negative'],
    ['pushedAuthorizationLifetime', 'pushed authorization lifetime is 0 or negative'],
    ['pollingInterval', 'polling interval is 0 or negative'],
  ];
  for (const [field, message] of positive) {
    const value = client[field];
    if (ok(field) && typeof value === 'number' && value <= 0) add([field], 'lifetime-not-positive', message);
  }
  const nonNegative: [keyof Client, string][] = [
    ['absoluteRefreshTokenLifetime', 'absolute refresh token lifetime is negative'],
    ['slidingRefreshTokenLifetime', 'sliding refresh token lifetime is negative'],
    ['dPoPClockSkew', 'DPoP clock skew is negative'],
  ];
  for (const [field, message] of nonNegative) {
    const value = client[field];
    if (ok(field) && typeof value === 'number' && value < 0) add([field], 'lifetime-negative', message);
  }
}

function checkRedirectUri(uri: string, what: string, report: (rule: string, message: string) => void): void {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(uri)?.[0].toLowerCase();
  if (scheme && (FORBIDDEN_REDIRECT_SCHEMES as readonly string[]).includes(scheme)) {
    report('redirect-uri-scheme', `the '${scheme}' scheme is not allowed in a ${what}: '${uri}'`);
    return;
  }
  // The URL parser drops leading and trailing spaces and control characters and removes tabs and newlines
  // anywhere, so ' javascript:…' or 'java\tscript:…' parse as javascript: URLs. Such a URI would also never match
  // a requested redirect_uri exactly.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  if (/[\s\u0000-\u001f\u007f]/.test(uri)) {
    report('redirect-uri-invalid', `a ${what} must not contain spaces or control characters: '${uri}'`);
    return;
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    report('redirect-uri-invalid', `'${uri}' is not an absolute URI`);
    return;
  }
  if ((FORBIDDEN_REDIRECT_SCHEMES as readonly string[]).includes(url.protocol)) {
    report('redirect-uri-scheme', `the '${url.protocol}' scheme is not allowed in a ${what}: '${uri}'`);
    return;
  }
  if (uri.includes('*')) {
    report(
      'redirect-uri-wildcard',
      `wildcards are not allowed in a ${what}; it must match exactly (RFC 9700): '${uri}'`,
    );
  }
  if (uri.includes('#')) {
    report('redirect-uri-fragment', `a ${what} must not contain a fragment (RFC 6749 §3.1.2): '${uri}'`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    report(
      'redirect-uri-http',
      `http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1]); use https (RFC 9700 §2.6): '${uri}'`,
    );
  }
}

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Defines a client in code: applies IdentityServer's defaults and checks every rule, so a wrong definition fails
 * where it is written rather than when it first serves a request. TypeScript rejects unknown properties and wrong
 * enum values before that.
 *
 * @throws {ModelValidationError} listing every problem found.
 * @example
 * const client = defineClient({
 *   clientId: 'service.client',
 *   clientSecrets: [{ value: sha256('secret') }],
 *   allowedGrantTypes: GrantTypes.ClientCredentials,
 *   allowedScopes: ['api1', 'api2.read_only'],
 * });
 */
export function defineClient(input: ClientInput, context: ClientValidationContext = {}): Client {
  const { client, issues } = validateClientDefinition(input, [], context);
  if (!client) throw new ModelValidationError(issues, { subject: `client '${String(input.clientId)}'` });
  return client;
}
