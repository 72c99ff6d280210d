import { mkdtempSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadServerConfiguration } from '../src/configuration.ts';
import { type RunningServer, type ServerOptions, startServer } from '../src/server.ts';

export const FIXTURE_CONFIG = fileURLToPath(new URL('./fixtures/appsettings.json', import.meta.url));
export const DEFAULT_CONFIG = fileURLToPath(new URL('../appsettings.json', import.meta.url));

/**
 * Starts the real server on a free port with a copy of `config` in a temporary folder (so the development key file
 * it writes stays out of the source tree). `options` are passed on to `startServer` (e.g. `logger`, `metrics`).
 */
export async function startTestServer(
  config: string = FIXTURE_CONFIG,
  options: Partial<ServerOptions> = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'idsrv-e2e-'));
  const file = join(dir, 'appsettings.json');
  await cp(config, file);
  const configuration = await loadServerConfiguration(file);
  return startServer({
    definitions: configuration.definitions,
    configFile: file,
    testUsers: configuration.testUsers,
    port: 0,
    host: '127.0.0.1',
    ...options,
  });
}

/** A token request with a raw `fetch`, for checking exact statuses and error bodies. */
export async function tokenRequest(
  server: RunningServer,
  body: Record<string, string>,
  auth?: { basic?: [string, string] },
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth?.basic) {
    const [id, secret] = auth.basic;
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  }
  const response = await fetch(`${server.issuer}/connect/token`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}
