import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'config-loader', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
