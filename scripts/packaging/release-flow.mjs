#!/usr/bin/env node
// The release flow of RELEASING.md, rehearsed on a temporary copy of the repository (never on this one):
//
//   1. The pending changesets are replaced by two samples: a minor change to @idsrv/model and a patch to
//      @idsrv/store-memory. `changeset version` must bump model to 0.1.0-style minor, store-memory by a patch, and
//      every published package that depends on a bumped one (dependencies or peerDependencies, transitively) by a
//      patch with an "Updated dependencies" entry; private packages keep their version and get no CHANGELOG; the
//      sample changesets are consumed.
//   2. `pnpm pack` of a dependent turns `workspace:*` into the new exact version (what `changeset publish` ships).
//   3. scripts/check-changesets.mjs on the copy: passes right after the release (nothing pending, nothing changed),
//      fails once a shipped file of a released package changes without a changeset, and passes again when one is
//      added.
//
// Offline; takes a few seconds. Usage: node scripts/packaging/release-flow.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir, publishedPackages, ROOT, removeDir, run, steps } from './lib.mjs';

const work = makeTempDir('idsrv-release-flow-');
const copy = join(work, 'repo');
const changesetBin = join(ROOT, 'node_modules/@changesets/cli/bin.js');
const packages = publishedPackages();
const byName = new Map(packages.map((p) => [p.name, p]));
const MINOR = '@idsrv/model';
const PATCH = '@idsrv/store-memory';
const git = (...args) =>
  // No signing and no hooks: the copy must not depend on this machine's git configuration.
  execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd: copy,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'release-flow',
      GIT_AUTHOR_EMAIL: 'release-flow@example.invalid',
      GIT_COMMITTER_NAME: 'release-flow',
      GIT_COMMITTER_EMAIL: 'release-flow@example.invalid',
    },
  });
const manifestIn = (pkg) =>
  JSON.parse(readFileSync(join(copy, 'packages', pkg.folder, 'package.json'), 'utf8'));

/** What changesets should do: the samples, plus a patch for every published dependent, transitively. */
function expectedBumps() {
  const bumps = new Map([
    [MINOR, 'minor'],
    [PATCH, 'patch'],
  ]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const pkg of packages) {
      if (bumps.has(pkg.name)) continue;
      const deps = { ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies };
      if (Object.keys(deps).some((d) => bumps.has(d))) {
        bumps.set(pkg.name, 'patch');
        grew = true;
      }
    }
  }
  return bumps;
}

const bump = (version, type) => {
  const [major, minor, patch] = version.split('.').map(Number);
  return type === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
};

const checkChangesets = () => run('node', ['scripts/check-changesets.mjs'], { cwd: copy, timeoutMs: 60_000 });

await steps(
  'Release flow: changeset version on a temporary copy',
  [
    [
      `copy the working tree (tracked and unignored files) to ${copy}`,
      () => {
        const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
          cwd: ROOT,
          encoding: 'utf8',
        })
          .split('\0')
          .filter(Boolean);
        for (const f of files) {
          mkdirSync(dirname(join(copy, f)), { recursive: true });
          try {
            cpSync(join(ROOT, f), join(copy, f));
          } catch (error) {
            if (error.code !== 'ENOENT') throw error; // deleted in the working tree but not yet in the index
          }
        }
        // changesets resolves its changelog generator (@changesets/cli/changelog) from the repository root.
        symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
        for (const f of readdirSync(join(copy, '.changeset'))) {
          if (f.endsWith('.md') && f !== 'README.md') rmSync(join(copy, '.changeset', f));
        }
        writeFileSync(
          join(copy, '.changeset/sample-minor.md'),
          `---\n'${MINOR}': minor\n---\n\nSample: a new feature.\n`,
        );
        writeFileSync(
          join(copy, '.changeset/sample-patch.md'),
          `---\n'${PATCH}': patch\n---\n\nSample: a fix.\n`,
        );
        git('init', '-q', '-b', 'main');
        git('add', '-A');
        git('commit', '-q', '-m', 'before release');
        return `${files.length} files`;
      },
    ],
    [
      'changeset version',
      async () => {
        await run('node', [changesetBin, 'version'], { cwd: copy, timeoutMs: 60_000 });
      },
    ],
    [
      'versions and CHANGELOG entries are the expected ones',
      () => {
        const expected = expectedBumps();
        for (const pkg of packages) {
          const type = expected.get(pkg.name);
          const after = manifestIn(pkg).version;
          if (!type) {
            assert.equal(
              after,
              pkg.manifest.version,
              `${pkg.name} has no change and depends on none: not bumped`,
            );
            continue;
          }
          const want = bump(pkg.manifest.version, type);
          assert.equal(after, want, `${pkg.name}: ${type} bump`);
          const changelog = readFileSync(join(copy, 'packages', pkg.folder, 'CHANGELOG.md'), 'utf8');
          assert.match(
            changelog,
            new RegExp(`^# ${pkg.name}\\n\\n## ${want.replaceAll('.', '\\.')}\\n`),
            pkg.name,
          );
          if (pkg.name === MINOR)
            assert.match(changelog, /### Minor Changes\n\n- [0-9a-f]*:? ?Sample: a new feature\./);
          if (pkg.name === PATCH)
            assert.match(changelog, /### Patch Changes\n\n- [0-9a-f]*:? ?Sample: a fix\./);
          const deps = { ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies };
          for (const dep of Object.keys(deps).filter((d) => expected.has(d))) {
            const depVersion = bump(byName.get(dep).manifest.version, expected.get(dep));
            assert.ok(
              changelog.includes(`- Updated dependencies`),
              `${pkg.name}: "Updated dependencies" entry`,
            );
            assert.ok(
              changelog.includes(`  - ${dep}@${depVersion}`),
              `${pkg.name}: names ${dep}@${depVersion}`,
            );
          }
        }
        // Private packages (apps/server, the test suites) are never versioned (privatePackages.version: false).
        for (const dir of ['apps', 'packages']) {
          for (const folder of readdirSync(join(copy, dir))) {
            let manifest;
            try {
              manifest = JSON.parse(readFileSync(join(copy, dir, folder, 'package.json'), 'utf8'));
            } catch {
              continue;
            }
            if (!manifest.private) continue;
            const before = JSON.parse(readFileSync(join(ROOT, dir, folder, 'package.json'), 'utf8')).version;
            assert.equal(manifest.version, before, `private ${manifest.name} keeps its version`);
            assert.throws(
              () => readFileSync(join(copy, dir, folder, 'CHANGELOG.md')),
              `${manifest.name}: no CHANGELOG`,
            );
          }
        }
        const left = readdirSync(join(copy, '.changeset')).filter((f) => f.startsWith('sample-'));
        assert.deepEqual(left, [], 'the sample changesets are consumed');
        return [...expected].map(([name, type]) => `${name} ${type}`).join(', ');
      },
    ],
    [
      `pnpm pack of ${PATCH} depends on the new ${MINOR} version exactly`,
      async () => {
        const pkg = byName.get(PATCH);
        const out = join(work, 'tarball');
        // pnpm reads a workspace:* dependency's version from the installed link: link the copy's own packages.
        const workspaceDirs = new Map(
          readdirSync(join(copy, 'packages')).flatMap((folder) => {
            try {
              const { name } = JSON.parse(
                readFileSync(join(copy, 'packages', folder, 'package.json'), 'utf8'),
              );
              return [[name, join(copy, 'packages', folder)]];
            } catch {
              return [];
            }
          }),
        );
        const manifest = manifestIn(pkg);
        for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
          for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
            if (!String(range).startsWith('workspace:') || !workspaceDirs.has(dep)) continue;
            const link = join(copy, 'packages', pkg.folder, 'node_modules', dep);
            mkdirSync(dirname(link), { recursive: true });
            rmSync(link, { force: true });
            symlinkSync(workspaceDirs.get(dep), link);
          }
        }
        await run('pnpm', ['pack', '--pack-destination', out], { cwd: join(copy, 'packages', pkg.folder) });
        const tarball = join(out, readdirSync(out)[0]);
        const packed = JSON.parse(await run('tar', ['xzf', tarball, '-O', 'package/package.json']));
        const modelVersion = bump(byName.get(MINOR).manifest.version, 'minor');
        assert.equal(packed.dependencies[MINOR], modelVersion);
      },
    ],
    [
      'check-changesets: passes after the release, fails on an unannounced change, passes with a changeset',
      async () => {
        git('add', '-A');
        git('commit', '-q', '-m', 'release');
        await checkChangesets();
        const pkg = byName.get(PATCH);
        appendFileSync(
          join(copy, 'packages', pkg.folder, 'src/index.ts'),
          '\n// a change after the release\n',
        );
        const failure = await checkChangesets().then(
          () =>
            assert.fail('check-changesets passed although a released package changed without a changeset'),
          (error) => error.message,
        );
        assert.match(failure, new RegExp(`${PATCH}: .*no pending changeset names it`));
        writeFileSync(join(copy, '.changeset/after-release.md'), `---\n'${PATCH}': patch\n---\n\nA fix.\n`);
        await checkChangesets();
        // A test-only change needs none.
        git('checkout', '--', '.');
        rmSync(join(copy, '.changeset/after-release.md'));
        mkdirSync(join(copy, 'packages', pkg.folder, 'test'), { recursive: true });
        writeFileSync(join(copy, 'packages', pkg.folder, 'test/new.test.ts'), '// a new test\n');
        await checkChangesets();
      },
    ],
  ],
  { cleanup: () => removeDir(work) },
);
