import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'test-redis', include: ['src/**/*.test.ts'], hookTimeout: 60_000, testTimeout: 60_000 },
});
