/** A value, or a promise of it: what oidc-provider's hooks may return (it awaits either). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * `next(value)`, once `value` has resolved if it is a promise. A value that is there already stays synchronous: on the
 * token endpoint each promise costs (oidc-provider's request context makes every promise pay Node's async hooks), so
 * hooks answer without one when the store has what they need in memory.
 */
export function thenMaybe<T, U>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<U>,
): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
