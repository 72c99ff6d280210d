import { z } from 'zod';
import { dateLike, list, seconds, stringMap } from './schema-helpers.ts';
import { type SecretType, SecretTypes } from './secrets.ts';

// Typed as the union (not `string`) so that TypeScript rejects a wrong secret type in `defineClient`.
const SECRET_TYPES = Object.values(SecretTypes) as [SecretType, ...SecretType[]];

/** A client or API secret (IdentityServer's `Secret`). */
export const secretSchema = z.strictObject({
  /** For `SharedSecret`, the Base64 SHA-256 or SHA-512 hash of the secret (see `sha256()`), never the plaintext. */
  value: z.string().min(1, 'a secret needs a value'),
  /** @default 'SharedSecret' */
  type: z.enum(SECRET_TYPES, { error: `must be one of ${SECRET_TYPES.join(', ')}` }).default('SharedSecret'),
  description: z.string().optional(),
  /** After this instant the secret is ignored. */
  expiration: dateLike().optional(),
});
export type SecretInput = z.input<typeof secretSchema>;
export type Secret = z.output<typeof secretSchema>;

/** A claim the client adds to its tokens (IdentityServer's `ClientClaim`). */
export const clientClaimSchema = z.strictObject({
  type: z.string().min(1),
  value: z.string(),
  /** @default 'http://www.w3.org/2001/XMLSchema#string' (`ClaimValueTypes.String`) */
  valueType: z.string().default('http://www.w3.org/2001/XMLSchema#string'),
});
export type ClientClaim = z.output<typeof clientClaimSchema>;

/**
 * Every property of IdentityServer's `Client`, camelCased, with IdentityServer's defaults. Lifetimes are in seconds.
 * Cross-property rules (redirect URIs required for code flows, secrets required, …) are in `validateClient`.
 */
export const clientSchema = z.strictObject({
  /** @default true — a disabled client is invisible to the token service. */
  enabled: z.boolean().default(true),
  /** Unique identifier of the client. */
  clientId: z.string().min(1, 'a client needs a clientId'),
  /** @default 'oidc' — the only protocol idsrv serves. */
  protocolType: z.string().default('oidc'),
  /** Hashed secrets; see `sha256()`. */
  clientSecrets: list(secretSchema),
  /** @default true — false makes a public client (token_endpoint_auth_method `none`). */
  requireClientSecret: z.boolean().default(true),
  clientName: z.string().optional(),
  description: z.string().optional(),
  clientUri: z.string().optional(),
  logoUri: z.string().optional(),
  /** @default false */
  requireConsent: z.boolean().default(false),
  /** @default true */
  allowRememberConsent: z.boolean().default(true),
  /** Protocol grant type strings; see `GrantTypes`. */
  allowedGrantTypes: list(z.string()),
  /** @default true */
  requirePkce: z.boolean().default(true),
  /** @default false */
  allowPlainTextPkce: z.boolean().default(false),
  /** @default false */
  requireRequestObject: z.boolean().default(false),
  /** @default false */
  allowAccessTokensViaBrowser: z.boolean().default(false),
  /** @default false */
  requireDPoP: z.boolean().default(false),
  /** @default 'Iat' */
  dPoPValidationMode: z.enum(['Iat', 'Nonce', 'IatAndNonce']).default('Iat'),
  /** Seconds. @default 300 */
  dPoPClockSkew: seconds().default(300),
  /** @default false */
  requirePushedAuthorization: z.boolean().default(false),
  /** Seconds; unset means the server-wide default. */
  pushedAuthorizationLifetime: seconds().optional(),
  redirectUris: list(z.string()),
  postLogoutRedirectUris: list(z.string()),
  frontChannelLogoutUri: z.string().optional(),
  /** @default true */
  frontChannelLogoutSessionRequired: z.boolean().default(true),
  backChannelLogoutUri: z.string().optional(),
  /** @default true */
  backChannelLogoutSessionRequired: z.boolean().default(true),
  /** @default false — true lets the client ask for `offline_access` (refresh tokens). */
  allowOfflineAccess: z.boolean().default(false),
  /** Names of identity resources and API scopes the client may request. */
  allowedScopes: list(z.string()),
  /** @default false */
  alwaysIncludeUserClaimsInIdToken: z.boolean().default(false),
  /** Seconds. @default 300 */
  identityTokenLifetime: seconds().default(300),
  /** Empty means the server's default algorithm. */
  allowedIdentityTokenSigningAlgorithms: list(z.string()),
  /** Seconds. @default 3600 */
  accessTokenLifetime: seconds().default(3600),
  /** Seconds. @default 300 */
  authorizationCodeLifetime: seconds().default(300),
  /** Seconds; 0 means unlimited (only with sliding expiration). @default 2592000 (30 days) */
  absoluteRefreshTokenLifetime: seconds().default(2_592_000),
  /** Seconds. @default 1296000 (15 days) */
  slidingRefreshTokenLifetime: seconds().default(1_296_000),
  /** Seconds a remembered consent lasts; unset means it does not expire. */
  consentLifetime: seconds().optional(),
  /** @default 'ReUse' (Duende IdentityServer 7; IdentityServer4 defaulted to 'OneTimeOnly') */
  refreshTokenUsage: z.enum(['ReUse', 'OneTimeOnly']).default('ReUse'),
  /** @default false */
  updateAccessTokenClaimsOnRefresh: z.boolean().default(false),
  /** @default 'Absolute' */
  refreshTokenExpiration: z.enum(['Sliding', 'Absolute']).default('Absolute'),
  /** @default 'Jwt' */
  accessTokenType: z.enum(['Jwt', 'Reference']).default('Jwt'),
  /** @default true */
  enableLocalLogin: z.boolean().default(true),
  identityProviderRestrictions: list(z.string()),
  /** @default true — access tokens carry a `jti`. */
  includeJwtId: z.boolean().default(true),
  claims: list(clientClaimSchema),
  /** @default false */
  alwaysSendClientClaims: z.boolean().default(false),
  /** @default 'client_' */
  clientClaimsPrefix: z.string().default('client_'),
  pairWiseSubjectSalt: z.string().optional(),
  /** Seconds since the user's last login after which they must log in again; unset means no limit. */
  userSsoLifetime: seconds().optional(),
  userCodeType: z.string().optional(),
  /** Seconds. @default 300 */
  deviceCodeLifetime: seconds().default(300),
  /** Seconds; unset means the server-wide default. */
  cibaLifetime: seconds().optional(),
  /** Seconds between polls; unset means the server-wide default. */
  pollingInterval: seconds().optional(),
  coordinateLifetimeWithUserSession: z.boolean().optional(),
  /** Origins (`https://app.example.com`) allowed to call the token endpoint from a browser. */
  allowedCorsOrigins: list(z.string()),
  properties: stringMap(),
  initiateLoginUri: z.string().optional(),
});

/** A client as written by a person: only `clientId` is required, everything else has IdentityServer's default. */
export type ClientInput = z.input<typeof clientSchema>;
/** A client with every default applied. */
export type Client = z.output<typeof clientSchema>;

/** The model's property names of a client, in declaration order. */
export const CLIENT_PROPERTIES = Object.keys(clientSchema.shape) as (keyof Client)[];
