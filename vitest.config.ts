import { defineConfig } from 'vitest/config';

// One workspace: `pnpm vitest run` at the root runs every package's tests; each package also runs its own
// through turbo (`turbo run test`), which is what the README's test command does.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
