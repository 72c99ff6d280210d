import type { Client } from './client.ts';

type Ok = (...fields: (keyof Client)[]) => boolean;
type Add = (field: (string | number)[], rule: string, message: string) => void;

/**
 * The widest `DPoPClockSkew` (seconds) idsrv can honour: oidc-provider 9 accepts a DPoP proof whose `iat` is at most
 * this far from now, a window fixed in its code. idsrv narrows it per client, but cannot widen it.
 */
export const MAX_DPOP_CLOCK_SKEW = 300;

/** The message of the `dpop-clock-skew-unsupported` rule. */
export const DPOP_CLOCK_SKEW_MESSAGE = `DPoPClockSkew is more than ${MAX_DPOP_CLOCK_SKEW} seconds (5 minutes), but idsrv (oidc-provider) refuses DPoP proofs whose iat is further than that from now; use at most ${MAX_DPOP_CLOCK_SKEW} seconds ('00:05:00'), or DPoPValidationMode 'Nonce' for clients with unreliable clocks`;

/**
 * idsrv's rules for the DPoP settings; called by `validateClientDefinition` with its `ok` (the property parsed) and
 * `add` (report an issue) helpers. (A negative skew is reported with the other lifetimes.)
 */
export function checkDPoPSettings(client: Client, ok: Ok, add: Add): void {
  if (ok('dPoPClockSkew') && client.dPoPClockSkew > MAX_DPOP_CLOCK_SKEW) {
    add(['dPoPClockSkew'], 'dpop-clock-skew-unsupported', DPOP_CLOCK_SKEW_MESSAGE);
  }
}
