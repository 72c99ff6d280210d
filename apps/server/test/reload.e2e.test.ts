import { readFile, rename, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FIXTURE_CONFIG } from './helpers.ts';
import { type CliServer, SECRET_HASH, spawnServe, tempConfig, token } from './lifecycle-helpers.ts';

// A real `idsrv serve` process watching a copy of the fixture; every edit is awaited by polling, never by sleeping.
vi.setConfig({ testTimeout: 60_000 });
const RELOAD = { timeout: 20_000, interval: 100 };

let server: CliServer;
let file: string;
let original: string;

/** Saves the file the way editors do: a new file renamed over the old one. */
async function save(text: string) {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

const HOT_CLIENT = `{
        "ClientId": "hot.client",
        "ClientSecrets": [{ "Value": "${SECRET_HASH}" }],
        "AllowedGrantTypes": ["client_credentials"],
        "AllowedScopes": ["api1", "hot.scope"]
      },`;

/** The fixture with hot.client and its new API scope added, and `edit` applied to the text. */
function withHotClient(edit: (text: string) => string = (t) => t) {
  return edit(
    original
      .replace('"Clients": [', `"Clients": [\n      ${HOT_CLIENT}`)
      .replace('{ "Name": "api3" }]', '{ "Name": "api3" }, { "Name": "hot.scope" }]'),
  );
}

interface Readiness {
  status: string;
  configuration: { status: string; watching: boolean; loadedAt: string; rejectedAt?: string };
}

async function readyz() {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

beforeAll(async () => {
  file = await tempConfig(FIXTURE_CONFIG);
  original = await readFile(file, 'utf8');
  // No --watch: reloading is the default with the memory store.
  server = await spawnServe(['--config', file, '--port', '0']);
}, 60_000);
afterAll(() => server?.kill());

describe('serve --watch (memory store): appsettings.json edits apply without a restart', () => {
  it('a new client with a new API scope gets tokens', async () => {
    expect((await token(server.url, 'hot.client')).body.error).toBe('invalid_client');
    expect((await readyz()).body.configuration).toMatchObject({ status: 'valid', watching: true });

    await save(withHotClient());
    await vi.waitFor(
      async () => expect((await token(server.url, 'hot.client', 'hot.scope')).status).toBe(200),
      RELOAD,
    );
    const issued = await token(server.url, 'hot.client', 'api1 hot.scope');
    expect(issued.body).toMatchObject({ token_type: 'Bearer', scope: 'api1 hot.scope' });
    // The log line is written asynchronously (pino), so it may follow the change it reports by a moment.
    await vi.waitFor(
      () =>
        expect(server.output()).toContain(
          'client(s) added: hot.client; API scopes and API resources replaced',
        ),
      RELOAD,
    );
    // The clients that were there are untouched.
    expect((await token(server.url, 'service.client', 'api1')).status).toBe(200);
  });

  it('a changed client: disabled gets invalid_client, a removed scope gets invalid_scope', async () => {
    await save(
      withHotClient((text) =>
        text
          .replace('"AllowedScopes": ["api1", "hot.scope"]', '"AllowedScopes": ["api1"]')
          .replace(
            '"Enabled": true,\n        "ClientId": "local-dev"',
            '"Enabled": false,\n        "ClientId": "local-dev"',
          ),
      ),
    );
    await vi.waitFor(
      async () => expect((await token(server.url, 'local-dev', 'api1')).status).toBe(401),
      RELOAD,
    );
    expect((await token(server.url, 'local-dev', 'api1')).body.error).toBe('invalid_client');
    await vi.waitFor(
      async () =>
        expect((await token(server.url, 'hot.client', 'hot.scope')).body.error).toBe('invalid_scope'),
      RELOAD,
    );
    expect((await token(server.url, 'hot.client', 'api1')).status).toBe(200);
    await vi.waitFor(
      () => expect(server.output()).toContain('client(s) changed: hot.client, local-dev'),
      RELOAD,
    );
  });

  it('an invalid edit is logged with its problems and changes nothing', async () => {
    const before = server.output().length;
    // Valid JSON, invalid configuration: service.client removed AND hot.client with a zero lifetime.
    const invalid = withHotClient((text) =>
      text
        .replace('"ClientId": "service.client"', '"ClientId": "renamed.client"')
        .replace(
          '"AllowedScopes": ["api1", "hot.scope"]',
          '"AllowedScopes": ["api1"], "AccessTokenLifetime": 0',
        ),
    );
    await save(invalid);
    await vi.waitFor(
      () => expect(server.output().slice(before)).toContain('configuration change ignored'),
      RELOAD,
    );
    const log = server.output().slice(before);
    expect(log).toContain('the running configuration is unchanged');
    expect(log).toMatch(/appsettings\.json:\d+:\d+ IdentityServer\.Clients\[0\]\.AccessTokenLifetime/);

    // Then a file that is not even JSON.
    const mark = server.output().length;
    await save(`${invalid.slice(0, 200)}`);
    await vi.waitFor(
      () => expect(server.output().slice(mark)).toContain('configuration change ignored'),
      RELOAD,
    );

    // The configuration of the previous test is still the one in force.
    expect((await token(server.url, 'service.client', 'api1')).status).toBe(200);
    expect((await token(server.url, 'renamed.client', 'api1')).body.error).toBe('invalid_client');
    expect((await token(server.url, 'hot.client', 'api1')).status).toBe(200);
    expect((await token(server.url, 'hot.client', 'hot.scope')).body.error).toBe('invalid_scope');
    expect((await token(server.url, 'local-dev', 'api1')).body.error).toBe('invalid_client');
    // Ready all the same (the last valid configuration serves), and saying so.
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      configuration: { status: 'invalid', watching: true },
    });
    expect(ready.body.configuration.rejectedAt).toEqual(expect.any(String));
    expect(JSON.stringify(ready.body)).not.toContain('AccessTokenLifetime');
  });

  it('a removed client is gone; the next valid edit clears the invalid state', async () => {
    await save(original);
    await vi.waitFor(async () => expect((await token(server.url, 'hot.client')).status).toBe(401), RELOAD);
    await vi.waitFor(() => expect(server.output()).toContain('client(s) removed: hot.client'), RELOAD);
    expect((await token(server.url, 'local-dev', 'api1')).status).toBe(200);
    expect((await readyz()).body.configuration).toEqual({
      status: 'valid',
      watching: true,
      loadedAt: expect.any(String),
    });
    expect(server.child.exitCode).toBeNull();
  });

  it('identity resources and IssuerUri are read at start: a change is logged as needing a restart', async () => {
    const before = server.output().length;
    await save(
      original.replace(
        '"IdentityServer": {',
        '"IdentityServer": {\n    "IssuerUri": "https://id.example.test",',
      ),
    );
    await vi.waitFor(() => expect(server.output().slice(before)).toContain('IssuerUri changed in'), RELOAD);
    expect(server.output().slice(before)).toContain('restart the server to apply');
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(discovery.issuer).toBe(server.url.replace('127.0.0.1', 'localhost'));
  });
});

describe('serve --no-watch', () => {
  it('an edit is not applied (while a watching server on the same file applies it)', async () => {
    const own = await tempConfig(FIXTURE_CONFIG);
    const text = await readFile(own, 'utf8');
    const fixed = await spawnServe(['--config', own, '--port', '0', '--no-watch']);
    const watching = await spawnServe(['--config', own, '--port', '0']);
    try {
      const ready = (await (await fetch(`${fixed.url}/readyz`)).json()) as Readiness;
      expect(ready.configuration).toMatchObject({ status: 'valid', watching: false });
      await writeFile(own, text.replace('"ClientId": "service.client"', '"ClientId": "other.client"'));
      // The edit has been seen once the watching server serves it; the other one still serves the file it started with.
      await vi.waitFor(
        async () => expect((await token(watching.url, 'other.client', 'api1')).status).toBe(200),
        RELOAD,
      );
      expect((await token(fixed.url, 'service.client', 'api1')).status).toBe(200);
      expect((await token(fixed.url, 'other.client', 'api1')).body.error).toBe('invalid_client');
    } finally {
      fixed.kill();
      watching.kill();
    }
  });
});
