#!/usr/bin/env node
// CI check: a change to a published package carries a changeset.
//
// The rule (also in RELEASING.md), which works on a fresh clone of main with no branch to compare against:
//   For each published package (packages/*, not private), its *release base* is the newest commit that changed the
//   `version` in its package.json (what `changeset version` does; the commit that created the file does not count).
//   If the package's shipped files changed since that commit (or, never released, exist at all), some pending
//   changeset in .changeset/*.md must name the package. The working tree is compared, so uncommitted and untracked
//   files count too.
// Shipped files: src/** (not tests), the entries of package.json "files" other than dist (which is built from src),
// tsup.config.ts, and package.json itself when anything but "version", "scripts" or "devDependencies" changed.
// README and test changes need no changeset. Every pending changeset must name only published workspace packages.
//
// Usage: node scripts/check-changesets.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publishedPackages, ROOT } from './packaging/lib.mjs';

const git = (...args) =>
  execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const gitOrUndefined = (...args) => {
  try {
    return git(...args);
  } catch {
    return undefined;
  }
};
const lines = (text) => text.split('\n').filter(Boolean);

/** Pending changesets: { file, releases: Map<name, bump> } from each .changeset/*.md front matter. */
function pendingChangesets() {
  const dir = join(ROOT, '.changeset');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const front = /^---\s*\n([\s\S]*?)\n---/.exec(text);
      if (!front) throw new Error(`.changeset/${file}: no front matter (--- 'pkg': patch ---)`);
      const releases = new Map();
      for (const line of lines(front[1])) {
        const m = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch|none)\s*$/.exec(line);
        if (!m)
          throw new Error(
            `.changeset/${file}: cannot read "${line.trim()}" (want 'package-name': patch|minor|major)`,
          );
        releases.set(m[1].trim(), m[2]);
      }
      return { file, releases };
    });
}

const versionAt = (commit, path) => {
  const text = gitOrUndefined('show', `${commit}:${path}`);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text).version;
  } catch {
    return undefined;
  }
};

/** The newest commit that changed the package's version, or undefined when it never changed. */
function releaseBase(manifestPath) {
  for (const commit of lines(git('log', '--format=%H', '-G"version"', '--', manifestPath))) {
    const after = versionAt(commit, manifestPath);
    const before = versionAt(`${commit}^`, manifestPath);
    if (before !== undefined && after !== undefined && before !== after) return commit;
  }
  return undefined;
}

/** Does package.json differ from the base in anything a user gets (not version, scripts, devDependencies)? */
function manifestChanged(base, manifestPath) {
  const strip = (text) => {
    const { version, scripts, devDependencies, ...rest } = JSON.parse(text);
    return JSON.stringify(rest);
  };
  const before = gitOrUndefined('show', `${base}:${manifestPath}`);
  if (before === undefined) return true;
  return strip(before) !== strip(readFileSync(join(ROOT, manifestPath), 'utf8'));
}

function shippedFileFilter(pkg) {
  const extra = (pkg.manifest.files ?? []).filter((f) => f !== 'dist' && !f.startsWith('dist/'));
  return (file) => {
    if (/(^|\/)(__tests__|test)\//.test(file) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(file)) return false;
    return (
      file.startsWith('src/') ||
      file === 'tsup.config.ts' ||
      extra.some((e) => file === e || file.startsWith(`${e.replace(/\/$/, '')}/`))
    );
  };
}

const problems = [];
const shallow = gitOrUndefined('rev-parse', '--is-shallow-repository')?.trim() === 'true';
let changesets = [];
try {
  changesets = pendingChangesets();
} catch (error) {
  problems.push(error.message);
}
const packages = publishedPackages();
const published = new Set(packages.map((p) => p.name));
for (const c of changesets) {
  for (const name of c.releases.keys()) {
    if (!published.has(name)) {
      problems.push(`.changeset/${c.file} names ${name}, which is not a published package of this workspace`);
    }
  }
}

console.log(
  `Changesets: ${changesets.length} pending (${changesets.map((c) => c.file).join(', ') || 'none'})`,
);
for (const pkg of packages) {
  const dir = relative(ROOT, pkg.dir);
  const manifestPath = `${dir}/package.json`;
  const base = releaseBase(manifestPath);
  const covering = changesets.filter((c) => c.releases.has(pkg.name) && c.releases.get(pkg.name) !== 'none');
  if (!base && shallow) {
    // Without the history we cannot tell "never released" from "released before the fetched commits"; a pending
    // changeset for the package satisfies the rule either way.
    console.log(
      covering.length > 0
        ? `  ${pkg.name}: covered by ${covering.map((c) => c.file).join(', ')} (shallow clone: changes not inspected)`
        : `  ${pkg.name}: NOT CHECKED — shallow clone, its release commit may be missing (git fetch --unshallow)`,
    );
    continue;
  }
  const isShipped = shippedFileFilter(pkg);
  const inPkg = (paths) => paths.map((p) => p.slice(dir.length + 1));
  const untracked = inPkg(lines(git('ls-files', '--others', '--exclude-standard', '--', dir)));
  const changed = base
    ? inPkg(lines(git('diff', '--name-only', base, '--', dir)))
    : inPkg(lines(git('ls-files', '--', dir)));
  const shipped = [...new Set([...changed, ...untracked])].filter(isShipped);
  const manifest = existsSync(join(ROOT, manifestPath)) && (!base || manifestChanged(base, manifestPath));
  const since = base
    ? `since release commit ${base.slice(0, 10)} (version ${versionAt(base, manifestPath)})`
    : '(package never released)';
  if (shipped.length === 0 && !manifest) {
    console.log(`  ${pkg.name}: no shipped changes ${since}`);
    continue;
  }
  const what = [...(manifest ? ['package.json'] : []), ...shipped];
  const summary = `${what.length} shipped file(s) changed ${since}: ${what.slice(0, 3).join(', ')}${what.length > 3 ? ', …' : ''}`;
  if (covering.length > 0) {
    console.log(`  ${pkg.name}: ${summary} — covered by ${covering.map((c) => c.file).join(', ')}`);
  } else {
    problems.push(
      `${pkg.name}: ${summary}, and no pending changeset names it. Run \`pnpm changeset\`, pick ${pkg.name}, ` +
        'and describe the change for its CHANGELOG (see RELEASING.md).',
    );
  }
}

if (problems.length > 0) {
  console.error(`\nChangesets check FAILED:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('Changesets check passed: every changed published package has a pending changeset.');
