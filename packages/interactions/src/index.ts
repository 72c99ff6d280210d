export { CONSENT_MODEL, type ConsentStore, createConsentStore, type RememberedConsent } from './consents.ts';
export {
  createInteractions,
  type Interactions,
  type InteractionsOptions,
  mountInteractions,
} from './create-interactions.ts';
export { DEVICE_MESSAGES } from './device.tsx';
export { loadExistingGrant } from './grants.ts';
export { frontChannelLogout, frontChannelTargets } from './logout.tsx';
export type { ConsentPageProps, ConsentScope } from './pages/consent.tsx';
export type { DeviceConfirmPageProps, DeviceSuccessPageProps, UserCodePageProps } from './pages/device.tsx';
export type { ErrorPageProps } from './pages/error.tsx';
export type { LoginPageProps } from './pages/login.tsx';
export type { FrontChannelTarget, LoggedOutPageProps, LogoutPageProps } from './pages/logout.tsx';
export { LOGIN_MESSAGES } from './routes.tsx';
export { createLoginThrottle, type LoginThrottle, type LoginThrottleOptions } from './throttle.ts';
