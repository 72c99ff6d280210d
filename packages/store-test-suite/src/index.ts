export {
  jsonZoo,
  OIDC_MODEL_NAMES,
  type OidcModelName,
  samplePayload,
  sampleResources,
  serviceClient,
  webClient,
} from './fixtures.ts';
export { EXPIRY_GRACE_MS } from './harness.ts';
export { testStore } from './test-store.ts';
export type {
  StoreCapabilities,
  StoreInspector,
  StoreSeed,
  StoreUnderTest,
  TestClock,
  TestStoreOptions,
} from './types.ts';
