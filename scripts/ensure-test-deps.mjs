#!/usr/bin/env node
// The test suites run against a real redis-server and a real Chromium (the brief's "real parts"). On a fresh Debian
// machine neither is installed: install them from Debian's packages when we are root, else say what to install.
// Node's built-ins only: this runs before `pnpm install` has finished anywhere.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [
  { bin: 'redis-server', pkg: 'redis-server' },
  { bin: 'chromium', pkg: 'chromium' },
];
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const missing = needed.filter((n) => !has(n.bin));
if (missing.length === 0) process.exit(0);

const pkgs = missing.map((m) => m.pkg);
if (process.platform !== 'linux' || process.getuid?.() !== 0 || !has('apt-get')) {
  console.error(
    `The tests need ${pkgs.join(' and ')}. Install them (Debian: apt-get install -y ${pkgs.join(' ')}) and run again.`,
  );
  process.exit(1);
}
console.log(`Installing ${pkgs.join(', ')} from Debian's packages for the tests…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
  stdio: 'inherit',
  env,
});
