import type { LoginThrottleLimits } from './stores.ts';

/** The defaults of {@link LoginThrottleLimits}, shared by every kind of throttle. */
export const LOGIN_THROTTLE_DEFAULTS: Required<LoginThrottleLimits> = Object.freeze({
  maxFailuresPerUsername: 5,
  maxFailuresPerIp: 20,
  windowSeconds: 300,
});

/** `limits` with each one left out taken from {@link LOGIN_THROTTLE_DEFAULTS}: what every throttle enforces. */
export function loginThrottleLimits(limits: LoginThrottleLimits = {}): Required<LoginThrottleLimits> {
  return {
    maxFailuresPerUsername: limits.maxFailuresPerUsername ?? LOGIN_THROTTLE_DEFAULTS.maxFailuresPerUsername,
    maxFailuresPerIp: limits.maxFailuresPerIp ?? LOGIN_THROTTLE_DEFAULTS.maxFailuresPerIp,
    windowSeconds: limits.windowSeconds ?? LOGIN_THROTTLE_DEFAULTS.windowSeconds,
  };
}
