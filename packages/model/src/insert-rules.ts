import type { OidcPayload } from './stores.ts';

/**
 * The arguments every store's {@link OidcAdapter.insert} refuses, checked the same way in each: a marker with an index
 * field (`grantId`, `uid`, `userCode`) or without a positive, finite lifetime in seconds. Throws a `TypeError` naming
 * the model and the rule; returns nothing when the insert may go ahead.
 */
export function assertInsertable(model: string, payload: OidcPayload, expiresIn: number): void {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new TypeError(
      `insert ${model}: expiresIn must be a positive number of seconds (a once-only marker must expire), got ${String(expiresIn)}`,
    );
  }
  for (const field of ['grantId', 'uid', 'userCode'] as const) {
    if (payload[field] !== undefined && payload[field] !== null) {
      throw new TypeError(
        `insert ${model}: a payload with ${field} needs upsert; insert stores unindexed markers`,
      );
    }
  }
}
