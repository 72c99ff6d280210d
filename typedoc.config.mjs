// API reference for the published packages: `pnpm run docs` writes docs/api/ (git-ignored). One site, one module per
// package, from each package's src/index.ts and tsconfig.json; the package's README is its landing page. Private
// packages (test suites, apps/server) are left out: they are not something a user installs.
import { publishedPackages, ROOT } from './scripts/packaging/lib.mjs';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'idsrv',
  entryPointStrategy: 'packages',
  entryPoints: publishedPackages().map((p) => `packages/${p.folder}`),
  packageOptions: {
    entryPoints: ['src/index.ts'],
    // Tests and examples are in the packages' tsconfig for type-checking; they are not API.
    exclude: ['**/*.test.ts', '**/test/**', '**/examples/**'],
    // Resolve @idsrv/* to the sources, not to the built .d.ts, so that a type of another package
    // (store-memory's `IdsrvStore` from @idsrv/model) links to that package's page instead of being left out.
    compilerOptions: { paths: { '@idsrv/*': [`${ROOT}/packages/*/src/index.ts`] } },
    // No public repository URL yet: source links would point nowhere.
    disableSources: true,
    disableGit: true,
  },
  out: 'docs/api',
  readme: 'README.md',
  includeVersion: true,
  excludePrivate: true,
  excludeInternal: true,
  githubPages: false,
  // The reference must build even while a package's TSDoc has a broken {@link}: report, do not fail.
  treatWarningsAsErrors: false,
  logLevel: 'Warn',
};
