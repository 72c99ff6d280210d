/** How the user codes of one `UserCodeType` look: oidc-provider's `charset` and `mask` (`*` = one character). */
export interface UserCodeFormat {
  /** oidc-provider's character set: `'digits'` (0-9) or `'base-20'` (`BCDFGHJKLMNPQRSTVWXZ`, no vowels). */
  readonly charset: 'digits' | 'base-20';
  /** The code's shape: each `*` is one random character, anything else is shown as is (and ignored when typed). */
  readonly mask: string;
}

/**
 * The device flow's user code types a client's `userCodeType` may name, and the codes they give.
 *
 * - `Numeric`: IdentityServer's default (`DeviceFlowOptions.DefaultUserCodeType`, its `NumericUserCodeGenerator`):
 *   nine digits, `123456789` — about 30 bits of entropy, easy on a TV remote or a phone keypad.
 * - `Base20`: RFC 8628 §6.1's recommendation and oidc-provider's default: eight letters from an alphabet without
 *   vowels (no accidental words) or look-alikes, shown as `WDJB-MJHT` — about 34.5 bits.
 *
 * Typed codes are compared case-insensitively with separators ignored, so `wdjbmjht` matches `WDJB-MJHT`.
 * IdentityServer also accepts the names of custom `IUserCodeGenerator`s; idsrv has no such extension point, so any
 * other name is a validation error rather than a type that is silently ignored.
 */
export const USER_CODE_TYPES = {
  Numeric: { charset: 'digits', mask: '*********' },
  Base20: { charset: 'base-20', mask: '****-****' },
} as const satisfies Record<string, UserCodeFormat>;

/** A `userCodeType` idsrv can generate codes for. */
export type UserCodeType = keyof typeof USER_CODE_TYPES;

/** The type used when a client sets no `userCodeType` (IdentityServer's `DefaultUserCodeType`). */
export const DEFAULT_USER_CODE_TYPE: UserCodeType = 'Numeric';

/** Whether `name` is one of {@link USER_CODE_TYPES} (case-sensitive, as IdentityServer matches generator names). */
export function isUserCodeType(name: string): name is UserCodeType {
  return Object.hasOwn(USER_CODE_TYPES, name);
}

/**
 * The user code format of a client's `userCodeType` (the default's when unset).
 * @throws {TypeError} for a name that is not a {@link UserCodeType}; validated clients never have one.
 */
export function userCodeFormat(userCodeType: string | undefined): UserCodeFormat {
  const name = userCodeType ?? DEFAULT_USER_CODE_TYPE;
  if (!isUserCodeType(name)) throw new TypeError(`unknown user code type '${name}'`);
  return USER_CODE_TYPES[name];
}
