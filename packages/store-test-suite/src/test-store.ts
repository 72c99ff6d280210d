import { describe } from 'vitest';
import { adapterSuite } from './adapter-suite.ts';
import { clientStoreSuite } from './client-store-suite.ts';
import { createHarness } from './harness.ts';
import { lifecycleSuite } from './lifecycle-suite.ts';
import { providerSuite } from './provider-suite.ts';
import { resourceStoreSuite } from './resource-store-suite.ts';
import type { StoreUnderTest, TestStoreOptions } from './types.ts';

/**
 * Registers the conformance suite every idsrv store must pass: the oidc-provider adapter of every model name
 * (copies, lifetimes in seconds, indexes, atomic `consume`, `revokeByGrantId`), the client store, the resource
 * store, isolation between instances, and a real oidc-provider running on the store's adapter.
 *
 * Call it at the top level of a vitest test file. The suite creates a fresh store for each test and disposes it
 * afterwards; tests that need a capability the store lacks are reported as skipped, with the reason.
 *
 * @example
 * // packages/store-memory/test/memory-store.test.ts
 * import { testStore } from '@idsrv/store-test-suite';
 * import { createMemoryStore } from '../src/index.ts';
 *
 * testStore({ name: 'memory', create: (seed) => createMemoryStore({ ...seed }) });
 */
export function testStore<S extends StoreUnderTest>(options: TestStoreOptions<S>): void {
  const harness = createHarness(options);
  describe(`store conformance: ${options.name}`, () => {
    lifecycleSuite(harness);
    adapterSuite(harness);
    clientStoreSuite(harness);
    resourceStoreSuite(harness);
    providerSuite(harness);
  });
}
