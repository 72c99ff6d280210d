import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './helpers.ts';

// The built CLI, as `pnpm idsrv` runs it (turbo builds this package before its tests).
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A copy of the sample configuration with `appsettings.Test.json` beside it holding `overlay`. */
async function configWith(overlay: unknown): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'idsrv-obs-cli-'));
  const file = join(dir, 'appsettings.json');
  await cp(DEFAULT_CONFIG, file);
  writeFileSync(join(dir, 'appsettings.Test.json'), JSON.stringify(overlay));
  return file;
}

// The caller's own settings must not change what these tests see.
function withoutObservabilityEnv(): NodeJS.ProcessEnv {
  const { IDSRV_LOG_LEVEL: _l, IDSRV_LOG_FORMAT: _f, IDSRV_METRICS_PORT: _p, ...env } = process.env;
  return env;
}

function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...withoutObservabilityEnv(), ...env },
  });
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    stdout: () => stdout,
    /** Resolves with the first match of `pattern` in stdout. */
    waitFor: (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (!match) return;
          child.stdout.off('data', check);
          resolve(match);
        };
        child.stdout.on('data', check);
        check();
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stdout}`)));
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const clientCredentials = (base: string, secret: string) =>
  fetch(`${base}/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`service.client:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });

describe('idsrv serve - logs and metrics', () => {
  it('JSON lines on stdout, Logging:LogLevel:Default from the file, /metrics on --metrics-port', async () => {
    const config = await configWith({
      Logging: { LogLevel: { Default: 'Debug', 'Microsoft.AspNetCore': 'Warning' } },
    });
    const server = serve([
      '--config',
      config,
      '--environment',
      'Test',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--log-format',
      'json',
    ]);
    const [, base] = await server.waitFor(/listening on (http:\/\/localhost:\d+)/);
    const [, metricsUrl] = await server.waitFor(/metrics: (http:\/\/localhost:\d+\/metrics)/);

    expect((await clientCredentials(base!, 'secret')).status).toBe(200);
    expect((await clientCredentials(base!, 'not-the-secret')).status).toBe(401);
    const health = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
    expect(health.headers.get('x-request-id')).toBe('probe-1');
    // A probe is logged at debug, which the file's Logging:LogLevel:Default turned on.
    await server.waitFor(/"request_id":"probe-1"/);

    const metrics = await (await fetch(metricsUrl!)).text();
    expect(metrics).toContain(
      'idsrv_tokens_issued_total{grant_type="client_credentials",client_id="service.client"} 1',
    );
    expect(metrics).toContain('idsrv_oauth_errors_total{endpoint="token",error="invalid_client"} 1');
    expect((await fetch(`${base}/metrics`)).status).toBe(404);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = server
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines)
      expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String) });
    expect(lines[0]).toMatchObject({ level: 'info', msg: expect.stringMatching(/^idsrv listening on http/) });
    const token = lines.filter((l) => l.route === 'token');
    expect(token.map((l) => [l.status, l.outcome, l.client_id, l.grant_type, l.error])).toEqual([
      [200, 'success', 'service.client', 'client_credentials', undefined],
      [401, 'error', 'service.client', 'client_credentials', 'invalid_client'],
    ]);
    expect(server.stdout()).not.toContain('not-the-secret');
  }, 60_000);

  it('IDSRV_LOG_LEVEL wins over the file: at Warning, requests leave no line', async () => {
    const config = await configWith({ Logging: { LogLevel: { Default: 'Debug' } } });
    const port = await freePort();
    const server = serve(
      ['--config', config, '--environment', 'Test', '--port', String(port), '--no-metrics'],
      {
        IDSRV_LOG_LEVEL: 'Warning',
      },
    );
    const base = `http://127.0.0.1:${port}`;
    // Nothing is printed at Warning, so wait for the port to answer.
    for (;;) {
      // The port opens before the server handles requests: a request then waits, so each try has a timeout.
      const ready = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (server.child.exitCode !== null) throw new Error(`serve exited: ${server.stdout()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await clientCredentials(base, 'secret')).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(
      server
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{')),
    ).toEqual([]);
  }, 60_000);
});
