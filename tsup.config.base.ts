import type { Options } from 'tsup';

/**
 * The one tsup configuration every package builds with: ESM only (oidc-provider is ESM only, so a CJS build
 * would only mislead), declarations for `exports.types`, Node 20 as the floor.
 */
export function packageConfig(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
