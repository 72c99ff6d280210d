/**
 * Stable error codes of idsrv. A code never changes meaning once released, so callers can `switch` on it.
 */
export type IdsrvErrorCode =
  | 'ERR_MODEL_INVALID'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CONFIG_NOT_FOUND'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_ALREADY_CONSUMED'
  | 'ERR_RECORD_GONE';

/**
 * The base class of every error idsrv throws on purpose. `code` is stable; `message` is for people.
 * Errors that reach OAuth clients are oidc-provider's own `errors.*`, never this class.
 */
export class IdsrvError extends Error {
  readonly code: IdsrvErrorCode;

  constructor(code: IdsrvErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdsrvError';
    this.code = code;
  }
}

/** One problem found in a definition. */
export interface ValidationIssue {
  /**
   * Where the problem is, as property names and array indexes in the model's camelCase
   * (`['clients', 1, 'redirectUris', 0]`). Format it with {@link formatPath}.
   */
  path: (string | number)[];
  /** A stable identifier of the rule broken, e.g. `redirect-uri-required`. */
  rule: string;
  /** A sentence a person understands, saying what is wrong and, where it helps, what to do. */
  message: string;
}

/**
 * Thrown when one or more definitions break the model's rules. Carries every problem found, not only the first.
 */
export class ModelValidationError extends IdsrvError {
  override readonly code = 'ERR_MODEL_INVALID' as const;
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], options?: { subject?: string; pathStyle?: PathStyle }) {
    const subject = options?.subject ?? 'definition';
    const lines = issues.map(
      (i) => `  - ${formatPath(i.path, options?.pathStyle)}: ${i.message} [${i.rule}]`,
    );
    super(
      'ERR_MODEL_INVALID',
      `Invalid ${subject}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
    );
    this.name = 'ModelValidationError';
    this.issues = issues;
  }
}

/**
 * `camel` keeps the model's names (`clients[1].redirectUris`); `pascal` uses IdentityServer's
 * (`Clients[1].RedirectUris`), which is what people who write appsettings.json recognise.
 */
export type PathStyle = 'camel' | 'pascal';

/** Renders an issue path as `Clients[1].RedirectUris[0]`. */
export function formatPath(path: readonly (string | number)[], style: PathStyle = 'camel'): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const name = style === 'pascal' ? toPascalCase(segment) : segment;
      out += out === '' ? name : `.${name}`;
    }
  }
  return out === '' ? '(root)' : out;
}

// IdentityServer spells DPoP with a capital P; everything else is a plain first-letter upper-casing.
const PASCAL_EXCEPTIONS: Record<string, string> = {
  dPoPValidationMode: 'DPoPValidationMode',
  dPoPClockSkew: 'DPoPClockSkew',
  requireDPoP: 'RequireDPoP',
};

function toPascalCase(name: string): string {
  // Own keys only: `constructor` or `__proto__` (keys people can write in a file) would find Object.prototype.
  return Object.hasOwn(PASCAL_EXCEPTIONS, name)
    ? PASCAL_EXCEPTIONS[name]!
    : name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * Thrown by {@link OidcAdapter.consume} when the record was already consumed: of concurrent redemptions of one
 * authorization code, refresh token or device code, exactly one consume resolves and every other one rejects with
 * this error. The provider bridge turns it into oidc-provider's `invalid_grant` and revokes the grant.
 */
export class AlreadyConsumedError extends IdsrvError {
  override readonly code = 'ERR_ALREADY_CONSUMED' as const;
  constructor(model: string, id: string) {
    super('ERR_ALREADY_CONSUMED', `${model} ${id.slice(0, 6)}… was already consumed`);
    this.name = 'AlreadyConsumedError';
  }
}

/**
 * Thrown by {@link OidcAdapter.consume} when the record does not exist (never stored, expired, destroyed or revoked).
 * oidc-provider only consumes what it has just found, so a record missing by then was removed by something that ran
 * in between — typically a concurrent redemption that saw the code or refresh token consumed and revoked its grant.
 * Resolving would let this redemption through on a revoked grant (a double spend), so it fails; the provider bridge
 * turns it into `invalid_grant`.
 */
export class RecordGoneError extends IdsrvError {
  override readonly code = 'ERR_RECORD_GONE' as const;
  constructor(model: string, id: string) {
    super('ERR_RECORD_GONE', `${model} ${id.slice(0, 6)}… does not exist (expired, revoked or never stored)`);
    this.name = 'RecordGoneError';
  }
}
