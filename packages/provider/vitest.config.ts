import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'provider', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
