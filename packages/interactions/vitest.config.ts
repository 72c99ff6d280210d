import { defineProject } from 'vitest/config';

export default defineProject({
  // The .tsx pages use preact's automatic JSX runtime, as tsup builds them (vite's oxc transform).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: { name: 'interactions', include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'] },
});
