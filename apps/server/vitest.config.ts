import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'server',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Every test here starts real servers, processes, Redis or Chromium on a 2-core CI machine: seconds become tens of
    // seconds under load. Timeouts catch hangs; they are not performance assertions.
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
