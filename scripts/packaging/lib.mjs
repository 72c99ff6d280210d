// Helpers shared by the packaging checks. Node's built-ins only, so the checks depend on nothing but the root
// devDependencies they call (publint, attw, changesets) and on npm.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The packages a stranger installs: every workspace package under `packages/` that is not `private`. New packages
 * are picked up without touching this list.
 */
export function publishedPackages() {
  const dir = join(ROOT, 'packages');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
    .map((d) => {
      const pkgDir = join(dir, d.name);
      const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      return { dir: pkgDir, folder: d.name, name: manifest.name, manifest };
    })
    .filter((p) => !p.manifest.private)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A temporary directory outside the repository (so no workspace `node_modules` can leak in). */
export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (resolve(dir).startsWith(ROOT)) throw new Error(`temporary directory ${dir} is inside the repository`);
  return dir;
}

export function removeDir(dir) {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * The environment without what pnpm puts in it for scripts (npm_package_*, npm_lifecycle_*, its user agent and
 * exec paths, pnpm_*): a stranger's `npm install` sees none of our workspace's settings. The user's own npm settings
 * (npm_config_registry, npm_config_cache…) are kept.
 */
export function strangerEnv() {
  const fromPnpm =
    /^(npm_package_|npm_lifecycle_|npm_config_user_agent$|npm_execpath$|npm_node_execpath$|npm_command$|pnpm_)/i;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !fromPnpm.test(key)));
}

/**
 * Runs a command and resolves with its output; rejects with the command, exit code and output when it fails or
 * outlives `timeoutMs` (every step is bounded: CI has one time budget for everything).
 */
export function run(
  command,
  args,
  { cwd = ROOT, timeoutMs = 120_000, env = {}, quiet = true, stranger = false } = {},
) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...(stranger ? strangerEnv() : process.env), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `timed out after ${timeoutMs / 1000} s: ${command} ${args.join(' ')} (in ${cwd})\n${output}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} (in ${cwd}) exited with ${code ?? signal}\n${output.trimEnd()}`,
          ),
        );
    });
  });
}

/** Runs the steps in order, printing each and its time; exits 1 at the first failure with its message. */
export async function steps(title, list, { cleanup = () => {} } = {}) {
  const started = performance.now();
  console.log(`${title}`);
  let failed = false;
  // Interrupted (Ctrl-C, a CI timeout): still remove the temporary directories and stop what was started.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await cleanup();
      process.exit(1);
    });
  }
  try {
    for (const [name, fn] of list) {
      const t = performance.now();
      process.stdout.write(`  ${name} … `);
      try {
        const note = await fn();
        console.log(`ok (${((performance.now() - t) / 1000).toFixed(1)} s)${note ? ` ${note}` : ''}`);
      } catch (error) {
        console.log('FAILED');
        console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
        failed = true;
        break;
      }
    }
  } finally {
    await cleanup();
  }
  const total = ((performance.now() - started) / 1000).toFixed(1);
  if (failed) {
    console.error(`${title}: FAILED after ${total} s`);
    process.exit(1);
  }
  console.log(`${title}: passed in ${total} s`);
}
