import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI } from './lifecycle-helpers.ts';

// Docker cannot run on these machines, so the container files are kept honest by checking them against the CLI:
// every flag they pass to `serve` must exist, and the ports and health path must be the server's.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
const compose = parse(readFileSync(`${ROOT}compose.yaml`, 'utf8')) as {
  services: Record<string, { command?: string[] | string; ports?: string[]; image?: string }>;
};

let help: string;
beforeAll(async () => {
  help = (await promisify(execFile)(process.execPath, [CLI, 'serve', '--help'])).stdout;
});

/** The JSON (exec) form of a Dockerfile instruction, e.g. `CMD ["node", …]`; continuation lines joined. */
function execForm(instruction: string): string[] {
  const joined = dockerfile.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith(`${instruction} `));
  expect(line, `${instruction} in the Dockerfile`).toBeDefined();
  const json = line!.slice(instruction.length + 1).replace(/^.*?CMD\s+/, '');
  return JSON.parse(json) as string[];
}

function flagsOf(command: string[]): string[] {
  expect(command.slice(0, 3)).toEqual(['node', 'apps/server/dist/cli.js', 'serve']);
  return command.filter((arg) => arg.startsWith('-')).map((arg) => arg.split('=')[0]!);
}

describe('container files stay in step with the CLI', () => {
  it('Dockerfile CMD - runs the built CLI with flags `serve --help` lists', () => {
    const cmd = execForm('CMD');
    expect(flagsOf(cmd).length).toBeGreaterThan(0);
    for (const flag of flagsOf(cmd)) expect(help, flag).toMatch(new RegExp(`(^|[ ,])${flag}\\b`, 'm'));
    expect(cmd).toContain('/config/appsettings.json');
  });

  it('Dockerfile - multi-stage from node:20-bookworm-slim, pinned pnpm, non-root, EXPOSE the default port, HEALTHCHECK on /healthz', () => {
    expect(dockerfile.match(/^FROM node:20-bookworm-slim/gm)).toHaveLength(2);
    const packageManager = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).packageManager as string;
    expect(dockerfile).toContain(`npm install -g ${packageManager}`);
    expect(dockerfile).toMatch(/^USER node$/m);
    // The default port of `serve --port`.
    // Commander wraps the help to the terminal's width, so the default may be split over two lines.
    expect(help.replace(/\s+/g, ' ')).toMatch(/default: 5000/);
    expect(dockerfile).toMatch(/^EXPOSE 5000$/m);
    const healthcheck = execForm('HEALTHCHECK');
    expect(healthcheck.join(' ')).toContain('/healthz');
    expect(healthcheck.join(' ')).toContain('5000');
  });

  it('compose.yaml - idsrv on redis:7 with appendonly, serve flags that exist, the port published', () => {
    const { idsrv, redis } = compose.services;
    expect(idsrv).toBeDefined();
    const command = idsrv!.command as string[];
    for (const flag of flagsOf(command)) expect(help, flag).toMatch(new RegExp(`(^|[ ,])${flag}\\b`, 'm'));
    expect(command[command.indexOf('--redis') + 1]).toBe('redis://redis:6379');
    expect(idsrv!.ports).toContain('5000:5000');
    expect(redis?.image).toBe('redis:7');
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('the check itself fails on a flag the CLI does not have', () => {
    expect(help).not.toMatch(/(^|[ ,])--no-such-flag\b/m);
  });
});
