/** How a refresh token behaves when used (IdentityServer's `TokenUsage`). */
export const TokenUsage = {
  /** The same handle is kept on refresh. Duende IdentityServer's default since 7.0. */
  ReUse: 'ReUse',
  /** Every refresh returns a new handle; using a rotated one again revokes the grant. */
  OneTimeOnly: 'OneTimeOnly',
} as const;
export type TokenUsage = (typeof TokenUsage)[keyof typeof TokenUsage];

/** How a refresh token's lifetime is counted (IdentityServer's `TokenExpiration`). */
export const TokenExpiration = {
  /** Each use extends the lifetime by `slidingRefreshTokenLifetime`, never past `absoluteRefreshTokenLifetime`. */
  Sliding: 'Sliding',
  /** The token expires `absoluteRefreshTokenLifetime` seconds after it was first issued. */
  Absolute: 'Absolute',
} as const;
export type TokenExpiration = (typeof TokenExpiration)[keyof typeof TokenExpiration];

/** The form of access tokens (IdentityServer's `AccessTokenType`). */
export const AccessTokenType = {
  /** A signed JWT (RFC 9068, `typ: at+jwt`). */
  Jwt: 'Jwt',
  /** An opaque handle kept in the store, checked by introspection. */
  Reference: 'Reference',
} as const;
export type AccessTokenType = (typeof AccessTokenType)[keyof typeof AccessTokenType];

/** How DPoP proof freshness is checked (Duende's `DPoPTokenExpirationValidationMode`). */
export const DPoPValidationMode = {
  Iat: 'Iat',
  Nonce: 'Nonce',
  IatAndNonce: 'IatAndNonce',
} as const;
export type DPoPValidationMode = (typeof DPoPValidationMode)[keyof typeof DPoPValidationMode];

/**
 * IdentityServer's numeric enum values, for configuration that gives the number instead of the name
 * (`"RefreshTokenUsage": 1`). The model itself takes the names only.
 */
export const ENUM_NUMBERS = {
  refreshTokenUsage: ['ReUse', 'OneTimeOnly'],
  refreshTokenExpiration: ['Sliding', 'Absolute'],
  accessTokenType: ['Jwt', 'Reference'],
  dPoPValidationMode: [undefined, 'Iat', 'Nonce', 'IatAndNonce'],
} as const;
