import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './helpers.ts';

// The built CLI, as `pnpm idsrv` runs it (turbo builds this package before its tests).
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = promisify(execFile);

async function idsrv(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function badConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'idsrv-cli-'));
  const file = join(dir, 'appsettings.json');
  writeFileSync(
    file,
    `{
  "IdentityServer": {
    "Clients": [
      {
        "ClientId": "web",
        "AllowedGrantTypes": ["authorization_code"],
        "ClientSecrets": [{ "Value": "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=" }],
        "AccessTokenLifetime": 0
      }
    ]
  }
}
`,
  );
  return file;
}

describe('idsrv CLI', () => {
  it("hash-secret - prints IdentityServer's SHA-256 of the secret", async () => {
    const result = await idsrv('hash-secret', 'secret');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=');
  });

  it('hash-secret --sha512 - prints the SHA-512 form', async () => {
    const result = await idsrv('hash-secret', 'secret', '--sha512');
    expect(result.stdout.trim()).toBe(
      'vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==',
    );
  });

  it('check - the default configuration with the reference clients is valid', async () => {
    const result = await idsrv('check', '--config', DEFAULT_CONFIG);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/valid — 3 client\(s\)/);
  });

  it('check - a bad file exits 1 naming the file, line, JSON path and rule of every problem', async () => {
    const file = badConfig();
    const result = await idsrv('check', '--config', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('IdentityServer.Clients[0].RedirectUris: No redirect URI configured.');
    expect(result.stderr).toContain(
      'IdentityServer.Clients[0].AccessTokenLifetime: access token lifetime is 0 or negative',
    );
    expect(result.stderr).toMatch(/appsettings\.json:\d+:\d+ IdentityServer\.Clients\[0\]\.RedirectUris/);
  });

  /** `idsrv check` on a new configuration file with no clients and this `Redis` section. */
  async function checkRedisSection(redis: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), 'idsrv-cli-'));
    const file = join(dir, 'appsettings.json');
    writeFileSync(file, JSON.stringify({ IdentityServer: { Clients: [] }, Redis: redis }));
    return { dir, result: await idsrv('check', '--config', file) };
  }

  it('check - a Redis section with both Cluster and Sentinel is refused, naming the file and the path', async () => {
    const { dir, result } = await checkRedisSection({
      Url: 'redis://127.0.0.1:26379',
      Cluster: true,
      Sentinel: 'mymaster',
    });
    expect(result.code).toBe(1);
    // The file is named relative to the working directory, with the line and column of the section.
    expect(result.stderr).toMatch(
      new RegExp(
        `${basename(dir)}/appsettings\\.json:\\d+:\\d+ Redis\\.Sentinel: Cluster and Sentinel exclude each other`,
      ),
    );
  });

  it('check - a sentinel password without Sentinel is refused, naming the file and the path, and not printed', async () => {
    const { dir, result } = await checkRedisSection({
      Url: 'redis://127.0.0.1:6379',
      SentinelPassword: 'sentinel-secret',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `${basename(dir)}/appsettings\\.json:\\d+:\\d+ Redis\\.SentinelPassword: SentinelPassword and SentinelUsername .* need Sentinel`,
      ),
    );
    expect(result.stdout + result.stderr).not.toContain('sentinel-secret');
  });

  it('check - Redis TLS files: a certificate without its key, or files with a redis:// URL, are refused, naming the file and the path', async () => {
    const keyless = await checkRedisSection({ Url: 'rediss://127.0.0.1:6380', TlsCert: 'client.pem' });
    expect(keyless.result.code).toBe(1);
    expect(keyless.result.stderr).toMatch(
      new RegExp(
        `${basename(keyless.dir)}/appsettings\\.json:\\d+:\\d+ Redis\\.TlsKey: TlsCert and TlsKey .* go together`,
      ),
    );
    const clear = await checkRedisSection({ Url: 'redis://127.0.0.1:6379', TlsCa: 'ca.pem' });
    expect(clear.result.code).toBe(1);
    expect(clear.result.stderr).toMatch(
      new RegExp(
        `${basename(clear.dir)}/appsettings\\.json:\\d+:\\d+ Redis\\.Url: TlsCa, TlsCert and TlsKey .* the URL must be rediss://`,
      ),
    );
  });

  it('check - the Redis client cache: a size below 1 or a negative lifetime is refused, naming the file and the path', async () => {
    const { dir, result } = await checkRedisSection({
      Url: 'redis://127.0.0.1:6379',
      ClientCacheSize: 0,
      ClientCacheTtl: -1,
    });
    expect(result.code).toBe(1);
    for (const setting of ['ClientCacheSize', 'ClientCacheTtl'])
      expect(result.stderr).toMatch(
        new RegExp(`${basename(dir)}/appsettings\\.json:\\d+:\\d+ Redis\\.${setting}: Too small`),
      );
    const valid = await checkRedisSection({
      Url: 'redis://127.0.0.1:6379',
      ClientCacheSize: 50000,
      ClientCacheTtl: 0,
    });
    expect(valid.result.code, valid.result.stderr).toBe(0);
  });

  it('check - a Redis TLS file that cannot be read is refused, naming the configuration, the setting and the file', async () => {
    const { dir, result } = await checkRedisSection({
      Url: 'rediss://127.0.0.1:6380',
      TlsCa: 'missing-ca.pem',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${basename(dir)}/appsettings.json: Redis.TlsCa: cannot read ${join(dir, 'missing-ca.pem')} (ENOENT)`,
    );
    // The same file present: valid.
    writeFileSync(join(dir, 'missing-ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    const fixed = await idsrv('check', '--config', join(dir, 'appsettings.json'));
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('serve - refuses to start on a bad configuration and exits non-zero', async () => {
    const result = await idsrv('serve', '--config', badConfig(), '--port', '0');
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).toContain('[redirect-uri-required]');
  });

  it('serve - starts with the default configuration, answers /healthz and stops on SIGTERM', async () => {
    // A copy, so the development key file is written to a temporary folder.
    const dir = mkdtempSync(join(tmpdir(), 'idsrv-cli-'));
    await cp(DEFAULT_CONFIG, join(dir, 'appsettings.json'));
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--config', join(dir, 'appsettings.json'), '--port', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
