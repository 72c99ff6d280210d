#!/usr/bin/env node
// The packaging check: what a stranger gets from npm, tested as a stranger uses it.
//
//   1. `pnpm pack` every published package (pnpm rewrites `workspace:*` to real versions, as `changeset publish`
//      does), and check each tarball: README and built files present, no sources/tests/configs, the manifest's
//      type/engines/sideEffects/license, oidc-provider and ioredis only as peers, types for every JavaScript export,
//      and every package the built code imports declared.
//   2. `publint --strict` and `attw --profile esm-only` on each tarball.
//   3. Install all tarballs with plain `npm install` into a scratch project in the OS temp dir (no workspace links,
//      no pnpm), with oidc-provider and ioredis from the registry; type-check the programs in
//      scripts/packaging/consumer/src with tsc (NodeNext) and run each one.
//
// Needs the packages built (`turbo run build`, which the root test command runs first) and the npm registry.
// Usage: node scripts/packaging/pack-and-install.mjs [--keep] [--only=@idsrv/a,@idsrv/b]
//   --keep leaves the scratch project for a look; --only limits the run to some packages (while working on them).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, publishedPackages, ROOT, removeDir, run, steps } from './lib.mjs';

const keep = process.argv.includes('--keep');
const bin = (name) => join(ROOT, 'node_modules/.bin', name);
const CONSUMER = join(ROOT, 'scripts/packaging/consumer');

// The versions a stranger would install next to our packages: the peer dependencies and TypeScript setup the
// READMEs name (oidc-provider has no types of its own, so TypeScript users add @types/oidc-provider).
const THIRD_PARTY = {
  dependencies: { 'oidc-provider': '9.13.3', ioredis: '6.0.0' },
  devDependencies: { typescript: '5.9.3', '@types/node': '^20.19.0', '@types/oidc-provider': '9.12.1' },
};

const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const all = publishedPackages();
// --only keeps the packages named and, transitively, the published packages they depend on (npm needs those too).
const wanted = new Set(only ?? all.map((p) => p.name));
for (let grew = true; grew; ) {
  grew = false;
  for (const p of all.filter((q) => wanted.has(q.name))) {
    for (const dep of Object.keys({ ...p.manifest.dependencies, ...p.manifest.peerDependencies })) {
      if (!wanted.has(dep) && all.some((q) => q.name === dep)) {
        wanted.add(dep);
        grew = true;
      }
    }
  }
}
const packages = all.filter((p) => wanted.has(p.name));
const work = makeTempDir('idsrv-packaging-');
const tarballDir = join(work, 'tarballs');
const scratch = join(work, 'consumer');
const tarballs = new Map(); // package name → tarball path
let redis;

/** Files every tarball needs, and files none may carry (sources, tests, configs). */
function checkTarballContents(pkg, tarball, files) {
  const problems = [];
  for (const required of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(required)) problems.push(`missing ${required}`);
  }
  for (const f of files) {
    if (
      /^(src|test|bench|examples|scripts)\//.test(f) ||
      /(^|\/)(tsconfig|tsup\.config|vitest\.config)/.test(f)
    ) {
      problems.push(`ships ${f} (not needed by users: narrow "files")`);
    }
    if (/\.test\.[cm]?[jt]sx?$/.test(f)) problems.push(`ships test file ${f}`);
  }
  if (problems.length > 0) throw new Error(`${pkg.name} (${tarball}):\n  ${problems.join('\n  ')}`);
}

/** The README is all a stranger has on npm: it must show the install, an example and where the reference is. */
function checkReadme(pkg, readme) {
  const problems = [];
  const name = pkg.name.replace('/', '\\/');
  if (!new RegExp(`(pnpm add|npm install|npm i) [^\\n]*${name}(\\s|$)`, 'm').test(readme)) {
    problems.push(`no install command (\`pnpm add ${pkg.name}\` or \`npm install ${pkg.name}\`)`);
  }
  if (!new RegExp(`\`\`\`ts\\n[^\`]*from '${name}'`).test(readme)) {
    problems.push(`no \`\`\`ts example that imports ${pkg.name}`);
  }
  const reference = `docs/api/modules/${pkg.name.replace(/[@/]/g, '_')}.html`;
  if (!readme.includes(reference))
    problems.push(`no link to the API reference (${reference}, see \`pnpm run docs\`)`);
  if (problems.length > 0) throw new Error(`${pkg.name} README.md:\n  ${problems.join('\n  ')}`);
}

/** What the style guide asks of every published manifest, beyond what publint checks. */
function checkManifest(pkg, manifest) {
  const problems = [];
  if (manifest.type !== 'module') problems.push('"type" is not "module" (the packages are ESM only)');
  if (!manifest.engines?.node) problems.push('no "engines.node"');
  if (manifest.sideEffects !== false) problems.push('"sideEffects" is not false');
  if (!manifest.license) problems.push('no "license"');
  if (!manifest.description) problems.push('no "description"');
  for (const peer of ['oidc-provider', 'ioredis']) {
    // The user's own oidc-provider/ioredis must be the one used: a second copy would be a second Provider class
    // or connection pool. So they are peers, never dependencies.
    if (manifest.dependencies?.[peer]) problems.push(`"${peer}" is a dependency; make it a peerDependency`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${dep} is still ${range}`);
    }
  }
  if (problems.length > 0) throw new Error(`${pkg.name} package.json:\n  ${problems.join('\n  ')}`);
}

/**
 * Every package the built code or its declarations import must be declared (dependencies or peerDependencies). In
 * the scratch install an undeclared one could still resolve, hoisted from another package, and hide the mistake.
 */
async function checkImportsDeclared(pkg, tarball, manifest) {
  const dir = join(work, 'unpacked', pkg.folder);
  mkdirSync(dir, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', dir]);
  const declared = new Set(
    ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((f) =>
      Object.keys(manifest[f] ?? {}),
    ),
  );
  const undeclared = new Set();
  const distDir = join(dir, 'package/dist');
  for (const file of readdirSync(distDir, { recursive: true })) {
    if (!/\.(js|d\.ts)$/.test(file)) continue;
    const code = readFileSync(join(distDir, file), 'utf8');
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      if (spec.startsWith('.') || spec.startsWith('node:') || isBuiltin(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!declared.has(name) && name !== pkg.name) undeclared.add(`${name} (in dist/${file})`);
    }
  }
  if (undeclared.size > 0) {
    throw new Error(`${pkg.name} imports packages it does not declare: ${[...undeclared].join(', ')}`);
  }
}

async function pack(pkg) {
  const out = await run('pnpm', ['pack', '--pack-destination', tarballDir], {
    cwd: pkg.dir,
    timeoutMs: 60_000,
  });
  const tarball = readdirSync(tarballDir)
    .map((f) => join(tarballDir, f))
    .find((f) => f.endsWith('.tgz') && !Array.from(tarballs.values()).includes(f));
  if (!tarball) throw new Error(`pnpm pack produced no tarball for ${pkg.name}:\n${out}`);
  tarballs.set(pkg.name, tarball);
  const files = (await run('tar', ['tzf', tarball]))
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  checkTarballContents(pkg, tarball, files);
  const manifest = JSON.parse(await run('tar', ['xzf', tarball, '-O', 'package/package.json']));
  checkManifest(pkg, manifest);
  checkReadme(pkg, await run('tar', ['xzf', tarball, '-O', 'package/README.md']));
  await checkImportsDeclared(pkg, tarball, manifest);
  // attw reports nothing for a package with no types at all, so check that every JavaScript entry point has types.
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target === 'string' && !target.endsWith('.js')) continue; // ./package.json, JSON schema
    const types = typeof target === 'object' ? target.types : undefined;
    if (!types || !files.includes(types.replace(/^\.\//, ''))) {
      throw new Error(
        `${pkg.name}: exports["${subpath}"] has no "types" condition pointing into the tarball`,
      );
    }
  }
  return `${files.length} files, ${(statSync(tarball).size / 1024).toFixed(0)} KiB`;
}

/** The consumer programs, with the packages each uses and the services it needs (from its first comment lines). */
function consumerPrograms() {
  return readdirSync(join(CONSUMER, 'src'))
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((file) => {
      const head = readFileSync(join(CONSUMER, 'src', file), 'utf8')
        .split('\n')
        .slice(0, 5)
        .join('\n');
      const uses = (/^\/\/ uses: (.+)$/m.exec(head)?.[1] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const needs = (/^\/\/ needs: (.+)$/m.exec(head)?.[1] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (uses.length === 0) throw new Error(`${file}: first lines must say "// uses: @idsrv/…"`);
      return { file, uses, needs };
    });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function redisAnswers(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A throwaway redis-server on a free loopback port, no persistence; waits until it answers PING. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await redisAnswers(port)) return { child, url: `redis://127.0.0.1:${port}` };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer PING on port ${port} within 10 s`);
}

const hasRedisServer = async () => {
  try {
    await run('redis-server', ['--version'], { timeoutMs: 5_000 });
    return true;
  } catch {
    return false;
  }
};

const programs = consumerPrograms();
const runnable = programs.filter((p) => p.uses.every((name) => packages.some((pkg) => pkg.name === name)));

const list = [
  [
    `every published package is built (${packages.map((p) => p.name).join(', ')})`,
    () => {
      const unbuilt = packages.filter(
        (p) => !existsSync(join(p.dir, 'dist/index.js')) || !existsSync(join(p.dir, 'dist/index.d.ts')),
      );
      if (unbuilt.length > 0) {
        throw new Error(`not built: ${unbuilt.map((p) => p.name).join(', ')}. Run \`pnpm build\` first.`);
      }
      const uncovered = packages.filter((pkg) => !programs.some((p) => p.uses.includes(pkg.name)));
      if (uncovered.length > 0) {
        throw new Error(
          `no consumer program uses ${uncovered.map((p) => p.name).join(', ')}: add one to scripts/packaging/consumer/src ` +
            '(a few lines that use the package the way its README shows).',
        );
      }
    },
  ],
  ...packages.map((pkg) => [`pnpm pack ${pkg.name}`, () => pack(pkg)]),
  ...packages.map((pkg) => [
    `publint --strict ${pkg.name}`,
    async () => {
      const out = await run(bin('publint'), ['run', tarballs.get(pkg.name), '--strict'], {
        timeoutMs: 60_000,
      });
      // publint exits 0 with suggestions; --strict turns warnings into errors, and we want suggestions seen too.
      if (!/All good!/.test(out)) throw new Error(`publint has findings for ${pkg.name}:\n${out}`);
    },
  ]),
  // attw's esm-only profile: our packages are ESM only on purpose (oidc-provider is), so `require()` from CommonJS
  // (node16-cjs) and the pre-exports node10 resolution are out of scope; node16 from ESM and bundler must be clean.
  ...packages.map((pkg) => [
    `attw --profile esm-only ${pkg.name}`,
    async () => {
      // attw exits 1 on any problem the profile covers; its report is printed with the failure.
      await run(
        bin('attw'),
        [tarballs.get(pkg.name), '--profile', 'esm-only', '--format', 'ascii', '--no-color'],
        {
          timeoutMs: 60_000,
        },
      );
    },
  ]),
  [
    `npm install the ${packages.length} tarballs into a scratch project (${scratch})`,
    async () => {
      mkdirSync(scratch, { recursive: true });
      // Only the programs whose packages exist: a package still being written must not break the type check.
      mkdirSync(join(scratch, 'src'));
      for (const p of runnable) cpSync(join(CONSUMER, 'src', p.file), join(scratch, 'src', p.file));
      cpSync(join(CONSUMER, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
      const local = Object.fromEntries(packages.map((p) => [p.name, `file:${tarballs.get(p.name)}`]));
      writeFileSync(
        join(scratch, 'package.json'),
        JSON.stringify(
          {
            name: 'idsrv-packaging-consumer',
            private: true,
            type: 'module',
            dependencies: { ...local, ...THIRD_PARTY.dependencies },
            devDependencies: THIRD_PARTY.devDependencies,
            // Our packages depend on each other by version (e.g. "@idsrv/model": "0.1.0"): point those at the
            // tarballs too, so nothing is taken from the registry under our names.
            overrides: Object.fromEntries(packages.map((p) => [p.name, `$${p.name}`])),
          },
          null,
          2,
        ),
      );
      await run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--no-update-notifier',
          '--prefer-offline',
          '--loglevel=error',
        ],
        { cwd: scratch, timeoutMs: 300_000, stranger: true },
      );
      const missingPeers = await run('npm', ['ls', '--all', '--omit=dev'], {
        cwd: scratch,
        stranger: true,
        timeoutMs: 60_000,
      }).then(
        () => '',
        (error) => error.message,
      );
      if (missingPeers) throw new Error(`npm ls reports problems in the scratch install:\n${missingPeers}`);
    },
  ],
  [
    'tsc: the programs type-check against the installed declarations (NodeNext, strict, no skipLibCheck)',
    () =>
      run(join(scratch, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], {
        cwd: scratch,
        stranger: true,
        timeoutMs: 120_000,
      }),
  ],
  ...programs.map((program) => [
    `node ${program.file.replace(/\.ts$/, '.js')} (${program.uses.join(', ')})`,
    async () => {
      if (!runnable.includes(program)) return 'skipped: it uses a package that is not in this run';
      const args = [];
      if (program.needs.includes('redis')) {
        if (!(await hasRedisServer())) {
          throw new Error(
            `${program.file} needs redis-server: run node scripts/ensure-test-deps.mjs (or apt-get install redis-server)`,
          );
        }
        redis ??= await startRedis();
        args.push(redis.url);
      }
      const out = await run('node', [join('out', program.file.replace(/\.ts$/, '.js')), ...args], {
        cwd: scratch,
        stranger: true,
        timeoutMs: 60_000,
      });
      const said = out.split('\n').filter((line) => line.startsWith('ok: '));
      if (said.length === 0) throw new Error(`${program.file} printed no "ok: " line:\n${out}`);
      return `— ${said.join('; ').replace(/ok: /g, '')}`;
    },
  ]),
];

await steps('Packaging: pack, publint, attw, install as a stranger and run', list, {
  cleanup: () => {
    redis?.child.kill('SIGTERM');
    if (keep) console.log(`  kept ${work}`);
    else removeDir(work);
  },
});
