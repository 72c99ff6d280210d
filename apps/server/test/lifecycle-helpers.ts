import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The built CLI, as `pnpm idsrv` runs it (turbo builds this package before its tests).
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
export const SECRET_HASH = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols='; // "secret"

/** A copy of `config` in a new temporary folder, where the test may edit it and the server writes its key file. */
export async function tempConfig(config: string): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'idsrv-lifecycle-')), 'appsettings.json');
  await cp(config, file);
  return file;
}

/** A running `node dist/cli.js serve …`. */
export interface CliServer {
  /** `http://127.0.0.1:{port}` (or https://localhost:{port} with TLS, to match the certificate). */
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** SIGKILL if still running (test cleanup). */
  kill(): void;
}

/** Spawns `serve` with `args` (add `--port 0`); resolves once it prints the address it listens on. */
export function spawnServe(args: string[], env: Record<string, string> = {}): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /listening on (https?):\/\/localhost:(\d+)/.exec(out);
      if (!match) return;
      child.stdout!.off('data', onData);
      const port = Number(match[2]);
      const host = match[1] === 'https' ? 'localhost' : '127.0.0.1';
      resolve({
        url: `${match[1]}://${host}:${port}`,
        port,
        child,
        output: () => out,
        exited,
        kill: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/** A client_credentials token request with a raw `fetch` (a new or pooled connection, as fetch decides). */
export async function token(
  base: string,
  clientId: string,
  scope?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:secret`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Resolves with the error code of a connection attempt to `port` (e.g. `ECONNREFUSED`), or `connected`. */
export function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 5000 });
    req.on('response', (res) => {
      res.resume();
      resolve('connected');
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}
