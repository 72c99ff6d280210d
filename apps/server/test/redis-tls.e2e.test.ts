import { rmSync } from 'node:fs';
import {
  type RedisClusterProcess,
  type RedisProcess,
  type RedisSentinelProcess,
  rawCommand,
  selfSignedCertificate,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from '@idsrv/test-redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientCredentials, copyConfig, expectCacheLive, runCli, spawnServer } from './redis-helpers.ts';

vi.setConfig({ testTimeout: 60_000 });

// Redis over TLS (`rediss://`), as managed Redis services require. A certificate from a private CA is trusted the way
// Node trusts any: NODE_EXTRA_CA_CERTS. The redis-server here listens with TLS only on the port the tests use.
let certificate: Awaited<ReturnType<typeof selfSignedCertificate>>;
let redis: RedisProcess;
let cluster: RedisClusterProcess;
let sentinel: RedisSentinelProcess;
let file: string;
let tlsUrl: string;

beforeAll(async () => {
  certificate = await selfSignedCertificate();
  const tls = { cert: certificate.cert, key: certificate.key };
  [redis, cluster, sentinel] = await Promise.all([
    startRedis({ tls }),
    startRedisCluster({ tls }),
    startRedisSentinel({ name: 'idsrv-tls', tls }),
  ]);
  tlsUrl = redis.tlsUrl!;
  file = await copyConfig();
}, 60_000);
afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop(), sentinel?.stop()]);
  if (certificate) rmSync(certificate.dir, { recursive: true, force: true });
});

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
      // The seeds' TLS ports lead to the other masters' TLS ports (a node tells a TLS client its TLS ports).
      for (let i = 0; i < 3; i++) {
        const tokens = await clientCredentials(spawned.url);
        expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      }
      await expectCacheLive(spawned.url);
      // The start wrote the configuration's clients and the shared keys over TLS, to more than one master.
      const sizes = await Promise.all(cluster.nodes.map((node) => rawCommand(node.port, 'DBSIZE')));
      expect(sizes.filter((size) => size !== ':0\r\n').length).toBeGreaterThan(1);
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
      const tokens = await clientCredentials(spawned.url);
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      await expectCacheLive(spawned.url);
      // The start wrote to the master the sentinel named.
      expect(await rawCommand(sentinel.nodes[0]!.port, 'DBSIZE')).not.toBe(':0\r\n');
    } finally {
      await spawned.stop();
    }
  });

  it('tls - a certificate the server does not trust: it refuses to start and says what failed', async () => {
    const result = await runCli(['serve', '--port', '0', '--config', file, '--redis', tlsUrl]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).toMatch(/did not answer within 10 s/);
    expect(result.stderr).toMatch(/self[- ]signed certificate|unable to verify/i);
  });
});
