import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type RedisClusterProcess,
  type RedisProcess,
  type RedisSentinelProcess,
  rawCommand,
  selfSignedCertificate,
  startAll,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientCredentials, copyConfig, expectCacheLive, runCli, spawnServer } from './redis-helpers.ts';

vi.setConfig({ testTimeout: 60_000 });

// Redis over TLS (`rediss://`), as managed Redis services require. A certificate from a private CA is trusted the way
// Node trusts any: NODE_EXTRA_CA_CERTS (or --redis-tls-ca). The servers keep a plain port for the harness's own checks;
// idsrv is only given the TLS one.
let certificate: Awaited<ReturnType<typeof selfSignedCertificate>>;
// The certificate idsrv presents to a Redis that requires one (`tls-auth-clients yes`).
let clientCertificate: Awaited<ReturnType<typeof selfSignedCertificate>>;
let redis: RedisProcess;
let clientAuthRedis: RedisProcess;
let cluster: RedisClusterProcess;
let clientAuthCluster: RedisClusterProcess;
let sentinel: RedisSentinelProcess;
let clientAuthSentinel: RedisSentinelProcess;
let file: string;
let tlsUrl: string;

beforeAll(async () => {
  [certificate, clientCertificate] = await Promise.all([selfSignedCertificate(), selfSignedCertificate()]);
  const tls = { cert: certificate.cert, key: certificate.key };
  const requireClientCertificates = { ...tls, clientCa: clientCertificate.cert };
  [redis, clientAuthRedis, cluster, clientAuthCluster, sentinel, clientAuthSentinel] = await startAll([
    startRedis({ tls }),
    startRedis({ tls: requireClientCertificates }),
    startRedisCluster({ tls }),
    startRedisCluster({ tls: requireClientCertificates }),
    startRedisSentinel({ name: 'idsrv-tls', tls }),
    startRedisSentinel({ name: 'idsrv-mtls', tls: requireClientCertificates }),
  ]);
  tlsUrl = redis.tlsUrl!;
  file = await copyConfig();
}, 60_000);
afterAll(async () => {
  await Promise.all(
    [redis, clientAuthRedis, cluster, clientAuthCluster, sentinel, clientAuthSentinel].map((started) =>
      started?.stop(),
    ),
  );
  for (const made of [certificate, clientCertificate])
    if (made) rmSync(made.dir, { recursive: true, force: true });
});

/**
 * The server at `url` serves tokens, its change subscription is live, and its start wrote the configuration's clients
 * and the shared keys over TLS to at least `atLeast` of `nodes`: a Cluster's masters (its seeds' TLS ports lead to
 * the other masters' TLS ports: a node tells a TLS client its TLS ports), or the master a sentinel named.
 */
async function expectServingFrom(url: string, nodes: readonly RedisProcess[], atLeast: number) {
  for (let i = 0; i < 3; i++) {
    const tokens = await clientCredentials(url);
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  }
  await expectCacheLive(url);
  const sizes = await Promise.all(nodes.map((node) => rawCommand(node.port, 'DBSIZE')));
  expect(sizes.filter((size) => size !== ':0\r\n').length).toBeGreaterThanOrEqual(atLeast);
}

describe('idsrv on Redis over TLS', () => {
  it('tls - rediss:// with the CA in NODE_EXTRA_CA_CERTS: clients import and serve work, and the change subscription is live', async () => {
    const trust = { NODE_EXTRA_CA_CERTS: certificate.cert };
    const imported = await runCli(
      ['clients', 'import', '--config', file, '--redis', tlsUrl, '--redis-prefix', 'tls:'],
      trust,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('service.client (created)');

    const spawned = await spawnServer(['--config', file, '--redis', tlsUrl, '--redis-prefix', 'tls:'], trust);
    try {
      const tokens = await clientCredentials(spawned.url);
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      // The subscriber connection (a duplicate of the first) speaks TLS too: the client cache is in use.
      await expectCacheLive(spawned.url);
      expect(spawned.output()).toContain('rediss://127.0.0.1');
    } finally {
      await spawned.stop();
    }
  });

  it('tls - a three-master Cluster over TLS (--redis-cluster with rediss:// seeds): tokens are served, the change subscription is live', async () => {
    const spawned = await spawnServer(
      ['--config', file, '--redis', cluster.tlsUrl!, '--redis-cluster', '--redis-prefix', 'tls-cluster:'],
      { NODE_EXTRA_CA_CERTS: certificate.cert },
    );
    try {
      await expectServingFrom(spawned.url, cluster.nodes, 2);
    } finally {
      await spawned.stop();
    }
  });

  it('tls - Redis Sentinel over TLS (rediss:// sentinels, which name the master by its TLS port): tokens are served, the change subscription is live', async () => {
    const spawned = await spawnServer(
      [
        ...['--config', file, '--redis', sentinel.tlsUrl!],
        ...['--redis-sentinel', 'idsrv-tls', '--redis-prefix', 'tls-sentinel:'],
      ],
      { NODE_EXTRA_CA_CERTS: certificate.cert },
    );
    try {
      await expectServingFrom(spawned.url, [sentinel.nodes[0]!], 1);
    } finally {
      await spawned.stop();
    }
  });

  it('tls - a Redis that requires client certificates: the CA and client certificate come from the Redis section (files beside appsettings.json) or from --redis-tls-*, and tokens are served', async () => {
    // The section's paths are relative to the configuration file; the key is never printed. The section is bound from
    // the environment (`Redis__TlsCa=…`), as it would be in a container.
    const config = await copyConfig();
    const dir = dirname(config);
    copyFileSync(certificate.cert, join(dir, 'redis-ca.pem'));
    copyFileSync(clientCertificate.cert, join(dir, 'idsrv-client.pem'));
    copyFileSync(clientCertificate.key, join(dir, 'idsrv-client.key'));
    const imported = await runCli(['clients', 'import', '--config', config], {
      Redis__Url: clientAuthRedis.tlsUrl!,
      Redis__KeyPrefix: 'mtls:',
      Redis__TlsCa: 'redis-ca.pem',
      Redis__TlsCert: 'idsrv-client.pem',
      Redis__TlsKey: 'idsrv-client.key',
    });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('service.client (created)');

    // The same through the command line, from another folder (no NODE_EXTRA_CA_CERTS: the CA is the option's).
    const spawned = await spawnServer([
      ...['--config', file, '--redis', clientAuthRedis.tlsUrl!, '--redis-prefix', 'mtls:'],
      ...['--redis-tls-ca', certificate.cert],
      ...['--redis-tls-cert', clientCertificate.cert, '--redis-tls-key', clientCertificate.key],
    ]);
    try {
      const tokens = await clientCredentials(spawned.url);
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      await expectCacheLive(spawned.url);
      expect(spawned.output() + imported.stdout + imported.stderr).not.toContain('PRIVATE KEY');
    } finally {
      await spawned.stop();
    }
  });

  it('tls - a Redis Cluster that requires client certificates: every node connection presents --redis-tls-cert, and tokens are served', async () => {
    const spawned = await spawnServer([
      ...['--config', file, '--redis', clientAuthCluster.tlsUrl!, '--redis-cluster'],
      ...['--redis-prefix', 'mtls-cluster:', '--redis-tls-ca', certificate.cert],
      ...['--redis-tls-cert', clientCertificate.cert, '--redis-tls-key', clientCertificate.key],
    ]);
    try {
      await expectServingFrom(spawned.url, clientAuthCluster.nodes, 2);
    } finally {
      await spawned.stop();
    }
  });

  it('tls - Redis Sentinel that requires client certificates: the sentinels and the master they name get --redis-tls-cert, and tokens are served', async () => {
    const spawned = await spawnServer([
      ...['--config', file, '--redis', clientAuthSentinel.tlsUrl!, '--redis-sentinel', 'idsrv-mtls'],
      ...['--redis-prefix', 'mtls-sentinel:', '--redis-tls-ca', certificate.cert],
      ...['--redis-tls-cert', clientCertificate.cert, '--redis-tls-key', clientCertificate.key],
    ]);
    try {
      await expectServingFrom(spawned.url, [clientAuthSentinel.nodes[0]!], 1);
    } finally {
      await spawned.stop();
    }
  });

  it('tls - a Redis that requires client certificates refuses a server without one, and the start says so', async () => {
    const result = await runCli([
      ...['serve', '--port', '0', '--config', file, '--redis', clientAuthRedis.tlsUrl!],
      ...['--redis-tls-ca', certificate.cert],
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).toMatch(/did not answer within 10 s/);
  });

  it('tls - TLS files with a redis:// URL, a certificate without its key, or a file that cannot be read: refused before connecting, naming the rule or the file', async () => {
    const serve = (...args: string[]) => runCli(['serve', '--port', '0', '--config', file, ...args]);
    const clear = await serve('--redis', redis.url, '--redis-tls-ca', certificate.cert);
    expect(clear.code).toBe(1);
    expect(clear.stderr).toContain('the URL must be rediss://');
    const keyless = await serve('--redis', tlsUrl, '--redis-tls-cert', clientCertificate.cert);
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toContain('TlsCert and TlsKey (--redis-tls-cert, --redis-tls-key) go together');
    const missing = join(certificate.dir, 'missing.pem');
    const unreadable = await serve('--redis', tlsUrl, '--redis-tls-ca', missing);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(`--redis-tls-ca: cannot read ${missing} (ENOENT)`);
  });

  it('tls - a certificate the server does not trust: it refuses to start and says what failed', async () => {
    const result = await runCli(['serve', '--port', '0', '--config', file, '--redis', tlsUrl]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).toMatch(/did not answer within 10 s/);
    expect(result.stderr).toMatch(/self[- ]signed certificate|unable to verify/i);
  });
});
