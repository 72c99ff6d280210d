import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { ConfigError } from '../src/errors.ts';

/** Absolute path of a fixture file: `fixture('overlay')` is `test/fixtures/overlay/appsettings.json`. */
export function fixture(name: string, file = 'appsettings.json'): string {
  return fileURLToPath(new URL(`./fixtures/${name}/${file}`, import.meta.url));
}

/** The 1-based line of the first line of `file` that contains `text` (so tests do not hard-code line numbers). */
export function lineOf(file: string, text: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`'${text}' is not in ${file}`);
  return index + 1;
}

/** Awaits a load that must fail validation and returns its error. */
export async function configError(load: Promise<unknown>): Promise<ConfigError> {
  const error = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory holding `files` (name → content), removed after the test. */
export function tempConfig(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'idsrv-config-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** A client that is valid on its own, to build test files from. */
export const SERVICE_CLIENT = {
  ClientId: 'service',
  ClientSecrets: [{ Value: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' }],
  AllowedGrantTypes: ['client_credentials'],
  AllowedScopes: ['api1'],
};
