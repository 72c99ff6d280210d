import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // The examples import the package by its name, as users do; run them against the sources.
  resolve: { alias: { '@idsrv/model': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: { name: 'model', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
