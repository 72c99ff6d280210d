import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The binaries, from PATH; CI installs them with `scripts/ensure-test-deps.mjs` (Debian's `redis-server`). */
export const REDIS_SERVER_BIN = 'redis-server';
export const REDIS_CLI_BIN = 'redis-cli';

/** How long a server may take to answer PING after it was started, in ms. */
const READY_TIMEOUT_MS = 20_000;
/** Redis Cluster talks to its peers on the client port + 10000 (the cluster bus). */
const CLUSTER_BUS_OFFSET = 10_000;

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * Persist with the append-only file (`--appendonly yes --appendfsync always`) in the server's folder, so that a
   * restart keeps every acknowledged write. Off: `--save '' --appendonly no` (nothing persisted).
   * @default false
   */
  persistence?: boolean;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  /** @default a free loopback port */
  port?: number;
  /**
   * With no `port`: pick one whose Redis Cluster bus port (+10000) is free too, for a `--cluster-enabled yes` node.
   * @default false
   */
  clusterBus?: boolean;
  /** The server's working folder (AOF, nodes.conf). @default a new temporary folder, removed by `stop()` */
  dir?: string;
  /**
   * Lines of a configuration file, written to the folder and given first (Sentinel needs a file it can rewrite).
   * @default none
   */
  config?: string;
  /**
   * Also listen with TLS on a second port (`--tls-port`), with this certificate and key (PEM files). Clients need no
   * certificate of their own unless `clientCa` is given: then TLS clients must present one issued by (or equal to)
   * a certificate of that PEM file (`tls-auth-clients yes`). The plain port stays, for the harness's own checks.
   * @default none
   */
  tls?: { cert: string; key: string; clientCa?: string };
}

/** A running `redis-server` process on 127.0.0.1. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** `rediss://127.0.0.1:{tls port}`, when started with `tls`. */
  readonly tlsUrl?: string | undefined;
  readonly dir: string;
  /** The process, while it runs. */
  readonly child: ChildProcess | undefined;
  /** Stops the server (SIGTERM: Redis flushes its AOF and exits), waiting for it to exit. Idempotent. */
  halt(): Promise<void>;
  /** Starts it again on the same port, folder and arguments, and waits for PING. */
  resume(): Promise<void>;
  /** Stops the server and removes its temporary folder (when the harness created it). Idempotent. */
  stop(): Promise<void>;
}

/**
 * A free TCP port on 127.0.0.1, found by binding a socket to port 0 and closing it (`redis-server --port 0` means
 * "no TCP", so the harness has to choose). With `busFree`, port + 10000 (Redis Cluster's bus) is free too.
 */
export async function freePort(options: { busFree?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindAndRelease(0);
    if (!options.busFree) return port;
    if (port + CLUSTER_BUS_OFFSET > 65535) continue;
    if ((await bindAndRelease(port + CLUSTER_BUS_OFFSET).catch(() => 0)) !== 0) return port;
  }
  throw new Error('could not find a free port pair for a Redis Cluster node');
}

function bindAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Sends one inline command over a raw socket and resolves with the first reply line (no client library needed, so
 * the harness can check a server before any test code connects). With `password`, it authenticates first.
 */
export function rawCommand(
  port: number,
  command: string,
  timeoutMs = 1000,
  password?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${command} on port ${port}`));
    }, timeoutMs);
    // With a password, AUTH goes first and its `+OK` is not part of the answer.
    const auth = password === undefined ? '' : `AUTH ${password}\r\n`;
    let authReply = password !== undefined;
    socket.on('connect', () => socket.write(`${auth}${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      if (authReply && data.startsWith('+OK\r\n')) {
        data = data.slice(5);
        authReply = false;
      }
      // A bulk reply ($n) is complete once its body arrived; a simple reply at its first line end.
      const bulk = /^\$(\d+)\r\n/.exec(data);
      if (bulk ? data.length >= bulk[0].length + Number(bulk[1]) + 2 : data.includes('\r\n')) {
        clearTimeout(timer);
        socket.end();
        resolve(data);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves once the server on `port` answers PING with PONG; polls, never sleeps a fixed time. */
export async function waitForPing(port: number, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      // NOAUTH: a server with a password is up too.
      if (/^(\+PONG|-NOAUTH)/.test(await rawCommand(port, 'PING', 500))) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`, { cause: last });
}

/**
 * Starts a real `redis-server` on a free loopback port, in a temporary folder, and resolves once it answers PING.
 * Call `stop()` in teardown.
 *
 * @example
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 * const client = new Redis(redis.url);
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisProcess> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'idsrv-redis-'));
  const configFile = options.config === undefined ? [] : [join(dir, 'redis.conf')];
  if (options.config !== undefined) writeFileSync(configFile[0]!, options.config);
  const caFile = options.tls?.clientCa
    ? caBundle(dir, options.tls.cert, options.tls.clientCa)
    : options.tls?.cert;
  const argsFor = (port: number, tlsPort: number | undefined) => [
    ...configFile,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    ...(options.persistence ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
    ...(options.tls
      ? [
          '--tls-port',
          String(tlsPort),
          '--tls-cert-file',
          options.tls.cert,
          '--tls-key-file',
          options.tls.key,
          // The certificate is its own CA: a node that connects to another (cluster bus, replication) verifies it.
          // Client certificates are checked against the same file, so it holds the clients' CA too when there is one.
          '--tls-ca-cert-file',
          caFile!,
          '--tls-auth-clients',
          options.tls.clientCa ? 'yes' : 'no',
        ]
      : []),
    ...(options.args ?? []),
  ];
  let port = 0;
  let tlsPort: number | undefined;
  let args: string[] = [];
  let child: ChildProcess | undefined;
  let stopped = false;

  const launch = async () => {
    const started = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // What the server printed (its log goes to stdout), for the error when it exits; only the end is kept, and the
    // pipes are drained for as long as it runs.
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) => {
      started.once('error', reject);
      started.once('exit', (code) =>
        reject(new Error(`redis-server on port ${port} exited with ${code}: ${output.trim()}`)),
      );
    });
    exited.catch(() => {});
    child = started;
    started.once('exit', () => {
      if (child === started) child = undefined;
    });
    await Promise.race([waitForPing(port), exited]);
  };

  const halt = async () => {
    const current = child;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGTERM');
    });
  };

  // A port picked here can be taken by another process before redis-server binds it (tests start many at once):
  // then pick again. A port the caller chose is not changed.
  for (let attempt = 1; ; attempt++) {
    port = options.port ?? (await freePort({ busFree: options.clusterBus ?? false }));
    tlsPort = options.tls ? await freePort() : undefined;
    args = argsFor(port, tlsPort);
    try {
      await launch();
      break;
    } catch (error) {
      const taken = /Address already in use/i.test(String((error as Error).message));
      if (!taken || attempt >= 5 || (options.port !== undefined && !options.tls)) {
        if (ownDir) rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    tlsUrl: tlsPort === undefined ? undefined : `rediss://127.0.0.1:${tlsPort}`,
    dir,
    get child() {
      return child;
    },
    halt,
    resume: launch,
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits for several starts (`startRedis`, `startRedisCluster` …) at once. If any fails, those that started are stopped
 * before the first failure is thrown, so a failed `beforeAll` leaves no redis-server running (`Promise.all` would
 * reject before the others are assigned, and teardown could not stop them).
 *
 * @example
 * [server, cluster] = await startAll([startRedis(), startRedisCluster()]);
 */
export async function startAll<const P extends readonly Promise<{ stop(): Promise<void> }>[]>(
  starts: P,
): Promise<{ -readonly [K in keyof P]: Awaited<P[K]> }> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as never;
}

/**
 * Polls a node with `command` until its reply holds `expected`; throws once `deadline` (ms since the epoch) has
 * passed. Never sleeps a fixed time.
 */
function untilReply(deadline: number) {
  return async (port: number, command: string, expected: string, password?: string): Promise<void> => {
    while (!(await rawCommand(port, command, 1000, password)).includes(expected)) {
      if (Date.now() > deadline)
        throw new Error(`redis on port ${port}: ${command} never showed ${expected}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
}

/** A running Redis Cluster: masters, and replicas when asked for. */
export interface RedisClusterProcess {
  readonly nodes: RedisProcess[];
  /** Seed nodes for `new Cluster(startupNodes)`. */
  readonly startupNodes: { host: string; port: number }[];
  /** With `tls`: the nodes' TLS URLs, comma-separated (`rediss://…,rediss://…`), what `--redis` takes with `--redis-cluster`. */
  readonly tlsUrl?: string | undefined;
  /** Stops every node and removes their folders. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** @default 3 */
  masters?: number;
  /** Replicas of each master (`--cluster-replicas`); with 1, a failed master's slots fail over. @default 0 */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`, ms: how long a master may not answer before its replica is promoted.
   * @default 5000
   */
  nodeTimeoutMs?: number;
  /**
   * Every node also listens with TLS (see {@link StartRedisOptions.tls}), and the nodes talk to each other over TLS
   * (`tls-cluster`, `tls-replication`); a client connected over TLS is told the nodes' TLS ports. With `clientCa`,
   * every node requires client certificates (the nodes present their own `cert` to each other). @default none
   */
  tls?: StartRedisOptions['tls'];
}

/** One line of `CLUSTER NODES`, as the node on `port` sees the cluster now. */
export interface ClusterNodeInfo {
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** Marked failed (`fail`) or possibly failed (`fail?`) by its peers. */
  readonly failing: boolean;
  /** Slot ranges served, `[first, last]` inclusive (masters only). */
  readonly slots: [number, number][];
}

/** Reads `CLUSTER NODES` from the node on `port`. */
export async function clusterNodes(port: number): Promise<ClusterNodeInfo[]> {
  const reply = await rawCommand(port, 'CLUSTER NODES');
  return reply
    .replace(/^\$\d+\r\n/, '')
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 8)
    .map((fields) => {
      const flags = fields[2]!.split(',');
      return {
        port: Number(/:(\d+)@/.exec(fields[1]!)?.[1]),
        role: flags.includes('master') ? ('master' as const) : ('replica' as const),
        failing: flags.includes('fail') || flags.includes('fail?'),
        slots: fields
          .slice(8)
          .filter((range) => /^\d+(-\d+)?$/.test(range))
          .map((range) => {
            const [first, last = first] = range.split('-').map(Number);
            return [first!, last!] as [number, number];
          }),
      };
    });
}

/**
 * Starts a real Redis Cluster: `masters × (1 + replicasPerMaster)` processes with `--cluster-enabled yes`, joined by
 * `redis-cli --cluster create … --cluster-replicas n`, resolved once every node reports `cluster_state:ok` and every
 * replica is in sync with its master.
 *
 * @example
 * const cluster = await startRedisCluster();
 * afterAll(() => cluster.stop());
 * const client = new Cluster(cluster.startupNodes);
 */
export async function startRedisCluster(
  options: StartRedisClusterOptions = {},
): Promise<RedisClusterProcess> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      nodes.push(
        await startRedis({
          clusterBus: true,
          ...(options.tls ? { tls: options.tls } : {}),
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf', // each node has a folder of its own
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 5000),
            ...(options.tls ? ['--tls-cluster', 'yes', '--tls-replication', 'yes'] : []),
          ],
        }),
      );
    }
    await run(REDIS_CLI_BIN, [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    const until = untilReply(Date.now() + READY_TIMEOUT_MS);
    for (const node of nodes) await until(node.port, 'CLUSTER INFO', 'cluster_state:ok');
    // A replica serves a failover only once it holds its master's data.
    for (const node of (await clusterNodes(nodes[0]!.port)).filter((n) => n.role === 'replica')) {
      await until(node.port, 'INFO replication', 'master_link_status:up');
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    tlsUrl: options.tls ? nodes.map((n) => n.tlsUrl).join(',') : undefined,
    stop,
  };
}

/** A master with replicas watched by Redis Sentinel. */
export interface RedisSentinelProcess {
  /** The master's name in Sentinel (`sentinel monitor NAME`). */
  readonly name: string;
  /** The master at start, then its replicas. */
  readonly nodes: RedisProcess[];
  readonly sentinels: RedisProcess[];
  /** The sentinels' URLs, comma-separated: what `--redis` takes with `--redis-sentinel NAME`. */
  readonly url: string;
  /** With `tls`: the sentinels' TLS URLs (`rediss://…`), comma-separated. */
  readonly tlsUrl?: string | undefined;
  /** Stops every process and removes their folders. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a master, `replicas` replicas (`--replicaof`) and `sentinels` sentinels (`redis-server FILE --sentinel`,
 * quorum 1) that fail the master over after `downAfterMs` of silence; resolves once the replicas are in sync and every
 * sentinel knows them.
 */
export async function startRedisSentinel(
  options: {
    name?: string;
    replicas?: number;
    sentinels?: number;
    downAfterMs?: number;
    /** The master's and replicas' password (`requirepass`, `masterauth`; the sentinels' `auth-pass`). @default none */
    password?: string;
    /** The sentinels' own password (`requirepass` in their configuration). @default none */
    sentinelPassword?: string;
    /**
     * Every process also listens with TLS (see {@link StartRedisOptions.tls}); replication and the sentinels' own
     * connections to the nodes use TLS, so the sentinels name the nodes' TLS ports. With `clientCa`, every process,
     * sentinels included, requires client certificates (they present their own `cert` to each other). @default none
     */
    tls?: StartRedisOptions['tls'];
  } = {},
): Promise<RedisSentinelProcess> {
  const { password, sentinelPassword, tls } = options;
  const tlsOptions = tls ? { tls } : {};
  // Over TLS, a node is reached (by a replica, a sentinel, a client told by a sentinel) on its TLS port.
  const portOf = (node: RedisProcess) => (node.tlsUrl ? Number(new URL(node.tlsUrl).port) : node.port);
  const nodeAuth = password === undefined ? [] : ['--requirepass', password, '--masterauth', password];
  const name = options.name ?? 'idsrv';
  const nodes: RedisProcess[] = [];
  const sentinels: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all([...sentinels, ...nodes].map((n) => n.stop()));
  };
  const until = untilReply(Date.now() + READY_TIMEOUT_MS);
  try {
    const replication = tls ? ['--tls-replication', 'yes'] : [];
    const master = await startRedis({ ...tlsOptions, args: [...nodeAuth, ...replication] });
    nodes.push(master);
    for (let i = 0; i < (options.replicas ?? 1); i++) {
      const replica = await startRedis({
        ...tlsOptions,
        args: ['--replicaof', '127.0.0.1', String(portOf(master)), ...nodeAuth, ...replication],
      });
      nodes.push(replica);
      await until(replica.port, 'INFO replication', 'master_link_status:up', password);
    }
    for (let i = 0; i < (options.sentinels ?? 1); i++) {
      const sentinel = await startRedis({
        ...tlsOptions,
        config: [
          `sentinel monitor ${name} 127.0.0.1 ${portOf(master)} 1`,
          ...(tls ? ['tls-replication yes'] : []),
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} 5000`,
          ...(password === undefined ? [] : [`sentinel auth-pass ${name} ${password}`]),
          ...(sentinelPassword === undefined ? [] : [`requirepass ${sentinelPassword}`]),
          '',
        ].join('\n'),
        args: ['--sentinel'],
      });
      sentinels.push(sentinel);
      await until(sentinel.port, 'INFO sentinel', `slaves=${nodes.length - 1},`, sentinelPassword);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name,
    nodes,
    sentinels,
    url: sentinels.map((s) => s.url).join(','),
    tlsUrl: tls ? sentinels.map((s) => s.tlsUrl).join(',') : undefined,
    stop,
  };
}

/** Writes the PEM files' certificates into one file in `dir`, for `tls-ca-cert-file`, and returns its path. */
function caBundle(dir: string, ...files: string[]): string {
  const bundle = join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, files.map((file) => readFileSync(file, 'utf8').trim()).join('\n') + '\n');
  return bundle;
}

/**
 * A self-signed certificate for `localhost` and 127.0.0.1, valid for a day, made with the system's `openssl` in a new
 * temporary folder: `cert` and `key` are PEM file paths, `ca` the certificate's bytes (to trust it).
 */
export async function selfSignedCertificate(): Promise<{
  cert: string;
  key: string;
  ca: Buffer;
  dir: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'idsrv-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return { cert, key, ca: readFileSync(cert), dir };
}
