#!/usr/bin/env node
// Times loading and validating an appsettings.json with 10,000 clients through the built package.
// Run: pnpm --filter @idsrv/config-loader build && pnpm --filter @idsrv/config-loader bench
// Target: under 1 s on the project's machines (2 shared cores). Not a test: timings do not belong in assertions.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfiguration } from '../dist/index.js';

const CLIENTS = 10_000;
const TARGET_MS = 1_000;
const RUNS = 5;
const HASH = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols='; // "secret".Sha256()

// A realistic mix: machine clients and interactive ones with redirect URIs, CORS origins and enums as strings.
const clients = Array.from({ length: CLIENTS }, (_, i) =>
  i % 2 === 0
    ? {
        ClientId: `service-${i}`,
        ClientName: `Service ${i}`,
        ClientSecrets: [{ Value: HASH }],
        AllowedGrantTypes: ['client_credentials'],
        AllowedScopes: ['api1', 'api2'],
        AccessTokenType: 'Reference',
        AccessTokenLifetime: 600,
      }
    : {
        ClientId: `web-${i}`,
        ClientName: `Web ${i}`,
        ClientSecrets: [{ Value: HASH }],
        AllowedGrantTypes: ['authorization_code'],
        RedirectUris: [`https://app${i}.example.com/signin-oidc`],
        PostLogoutRedirectUris: [`https://app${i}.example.com/`],
        AllowedCorsOrigins: [`https://app${i}.example.com`],
        AllowedScopes: ['openid', 'profile', 'api1'],
        AllowOfflineAccess: true,
        RefreshTokenUsage: 'OneTimeOnly',
      },
);
const settings = {
  IdentityServer: {
    IssuerUri: 'https://id.example.com',
    IdentityResources: [
      { Name: 'openid', UserClaims: ['sub'] },
      { Name: 'profile', UserClaims: ['name'] },
    ],
    ApiScopes: [{ Name: 'api1' }, { Name: 'api2' }],
    ApiResources: [{ Name: 'orders', Scopes: ['api1', 'api2'] }],
    Clients: clients,
  },
};

const dir = mkdtempSync(join(tmpdir(), 'idsrv-bench-'));
try {
  const file = join(dir, 'appsettings.json');
  writeFileSync(file, JSON.stringify(settings, null, 2));
  const env = { IdentityServer__Clients__0__Enabled: 'false' };

  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const config = await loadConfiguration({ file, env });
    times.push(performance.now() - start);
    if (config.clients.length !== CLIENTS)
      throw new Error(`expected ${CLIENTS} clients, got ${config.clients.length}`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const mib = (statSync(file).size / 1024 / 1024).toFixed(1);
  console.log(`config-loader: ${CLIENTS} clients (${mib} MiB file), load + validate`);
  console.log(
    `  first run ${times[0].toFixed(0)} ms; median of ${RUNS} ${median.toFixed(0)} ms; best ${sorted[0].toFixed(0)} ms`,
  );
  console.log(
    `  target ${TARGET_MS} ms: first run at ${(times[0] / TARGET_MS).toFixed(2)}x, median at ${(median / TARGET_MS).toFixed(2)}x of the target`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
