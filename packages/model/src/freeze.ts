/**
 * Freezes a value and everything it holds, in place, and returns it. Stores use it to hand out the same read-only
 * client or resource object on every lookup (see `ClientStore.findClientById`) instead of copying it each time.
 * `Date` values are frozen objects but keep their internal time settable: treat them as read-only too.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}
