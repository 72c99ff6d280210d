import { defineProject } from 'vitest/config';

export default defineProject({
  // The suites start their own redis-server processes (one node, and a three-master Cluster); each file gets its
  // own servers, and hooks wait for them to answer PING, which can take a few seconds on a loaded machine.
  test: {
    name: 'store-redis',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    hookTimeout: 60_000,
    testTimeout: 20_000,
  },
});
