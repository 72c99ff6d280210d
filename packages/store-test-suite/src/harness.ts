import { test as base, type TestContext, vi } from 'vitest';
import type { StoreCapabilities, StoreSeed, StoreUnderTest, TestStoreOptions } from './types.ts';

/** How long past a lifetime the real-time path waits for a record to disappear before failing. */
export const EXPIRY_GRACE_MS = 3000;
/** Poll period of the real-time path. */
const POLL_INTERVAL_MS = 50;

/** What every test gets from the suite: stores it need not clean up. */
export interface StoreFixtures<S extends StoreUnderTest> {
  /** A fresh, empty store, disposed after the test. */
  store: S;
  /** Creates another fresh store (optionally seeded), disposed after the test. */
  open: (seed?: StoreSeed) => Promise<S>;
  /** Opens a second store over the same backend as the given one (`capabilities.connect`), disposed after the test. */
  connect: (store: S) => Promise<StoreUnderTest>;
}

export type StoreTestFunction<S extends StoreUnderTest> = (
  context: StoreFixtures<S> & TestContext,
) => Promise<void> | void;

/** What the parts of the suite share. */
export interface Harness<S extends StoreUnderTest> {
  readonly name: string;
  readonly capabilities: StoreCapabilities<S>;
  readonly create: TestStoreOptions<S>['create'];
  /** A test with the store fixtures. */
  readonly it: (name: string, fn: StoreTestFunction<S>, timeout?: number) => void;
  /**
   * A test that runs only when `enabled`; otherwise it is reported as skipped with `reason` in its name, so a run's
   * output says which capabilities a store lacks.
   */
  readonly itIf: (
    enabled: boolean,
    reason: string,
  ) => (name: string, fn: StoreTestFunction<S>, timeout?: number) => void;
  /** The time the stores see, in milliseconds since the epoch. */
  readonly now: () => number;
  /**
   * Lets `seconds` of lifetime run out, then runs `check`: with a {@link TestClock} it moves the clock past the
   * lifetime; otherwise it polls `check` in real time until it passes, for at most the lifetime plus a grace period.
   */
  readonly afterLifetime: (seconds: number, check: () => Promise<void>) => Promise<void>;
  /** The longest a test that uses {@link Harness.afterLifetime} once may take, in ms, for vitest's timeout. */
  readonly expiryTimeout: (seconds: number) => number;
}

export function createHarness<S extends StoreUnderTest>(options: TestStoreOptions<S>): Harness<S> {
  const capabilities = options.capabilities ?? {};
  const { clock } = capabilities;

  const it = base.extend<StoreFixtures<S>>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's destructured parameter to find its dependencies; this one has none.
    open: async ({}, use) => {
      const opened: S[] = [];
      await use(async (seed) => {
        const store = await options.create(seed);
        opened.push(store);
        return store;
      });
      await Promise.all(opened.map((store) => store.dispose()));
    },
    store: async ({ open }, use) => {
      await use(await open());
    },
    // biome-ignore lint/correctness/noEmptyPattern: as above.
    connect: async ({}, use) => {
      const connected: StoreUnderTest[] = [];
      await use(async (store) => {
        if (!capabilities.connect) throw new Error('the store has no connect capability');
        const second = await capabilities.connect(store);
        connected.push(second);
        return second;
      });
      await Promise.all(connected.map((store) => store.dispose()));
    },
  });

  const now = () => (clock ? clock.now() : Date.now());

  return {
    name: options.name,
    capabilities,
    create: options.create,
    it: (name, fn, timeout) => it(name, fn, timeout),
    itIf: (enabled, reason) => (name, fn, timeout) =>
      it.skipIf(!enabled)(enabled ? name : `${name} (skipped: ${reason})`, fn, timeout),
    now,
    async afterLifetime(seconds, check) {
      if (clock) {
        await clock.advance(seconds * 1000 + 1);
        await check();
        return;
      }
      await vi.waitFor(check, { timeout: seconds * 1000 + EXPIRY_GRACE_MS, interval: POLL_INTERVAL_MS });
    },
    expiryTimeout: (seconds) => seconds * 1000 + EXPIRY_GRACE_MS + 5000,
  };
}
