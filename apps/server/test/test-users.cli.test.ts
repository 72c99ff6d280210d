import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { verifyPassword } from '@idsrv/users';
import { describe, expect, it } from 'vitest';
import { loadServerConfiguration } from '../src/configuration.ts';
import { DEFAULT_CONFIG } from './helpers.ts';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = promisify(execFile);

describe('TestUsers', () => {
  it('idsrv hash-password - prints a scrypt PasswordHash that verifies, without loading oidc-provider', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'hash-password', 'alice'], {
      timeout: 20_000,
    });
    const hash = stdout.trim();
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
    expect(await verifyPassword('alice', hash)).toBe(true);
    expect(stderr).not.toContain('oidc-provider');
  });

  it('the sample appsettings.json has the development users alice and bob', async () => {
    const config = await loadServerConfiguration(DEFAULT_CONFIG);
    expect(config.testUsers.map((u) => [u.username, u.password])).toEqual([
      ['alice', 'alice'],
      ['bob', 'bob'],
    ]);
  });

  it('a test user without a password is a configuration error naming the file and path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idsrv-users-'));
    const file = join(dir, 'appsettings.json');
    writeFileSync(
      file,
      JSON.stringify({ TestUsers: [{ SubjectId: '1', Username: 'alice' }], IdentityServer: {} }),
    );
    await expect(loadServerConfiguration(file)).rejects.toThrow(/TestUsers\[0\]\.Password.*exactly one/s);
  });
});
