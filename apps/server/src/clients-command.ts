import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Client, IdsrvError, type Resources } from '@idsrv/model';
import { type Command, Option } from 'commander';
import { wholeNumber } from './cli-arguments.ts';
import { loadServerConfiguration } from './configuration.ts';
import type { RedisServerOptions, RedisTlsOptions } from './redis.ts';
import { describeRedis, type RedisSection } from './redis-section.ts';

/** What `serve` and `clients …` take to reach Redis. */
export interface RedisCliOptions {
  redis?: string;
  redisPrefix?: string;
  redisCluster?: boolean;
  redisSentinel?: string;
  redisSentinelPassword?: string;
  redisSentinelUsername?: string;
  redisTlsCa?: string;
  redisTlsCert?: string;
  redisTlsKey?: string;
  /** `serve` only ({@link redisCacheCliOptions}). */
  redisClientCacheSize?: number;
  redisClientCacheTtl?: number;
}

/**
 * The `--redis`, `--redis-prefix`, `--redis-cluster`, `--redis-sentinel`, `--redis-sentinel-password`/`-username` and
 * `--redis-tls-ca`/`-cert`/`-key` options (`IDSRV_REDIS_URL`, `IDSRV_REDIS_PREFIX`, `IDSRV_REDIS_SENTINEL`,
 * `IDSRV_REDIS_SENTINEL_PASSWORD`, `IDSRV_REDIS_SENTINEL_USERNAME`, `IDSRV_REDIS_TLS_CA`, `IDSRV_REDIS_TLS_CERT`,
 * `IDSRV_REDIS_TLS_KEY` in the environment).
 */
export function redisCliOptions(): Option[] {
  return [
    new Option(
      '--redis <url>',
      'keep clients, resources, sessions and tokens in Redis (redis://host:port; for a Cluster, seed nodes separated by commas)',
    ).env('IDSRV_REDIS_URL'),
    new Option(
      '--redis-prefix <prefix>',
      "key prefix; instances with the same Redis and prefix are one server (default 'idsrv:')",
    ).env('IDSRV_REDIS_PREFIX'),
    new Option('--redis-cluster', 'the URL names seed nodes of a Redis Cluster'),
    new Option(
      '--redis-sentinel <name>',
      'the URL names Redis Sentinels, which monitor the master called <name>',
    ).env('IDSRV_REDIS_SENTINEL'),
    new Option(
      '--redis-sentinel-password <password>',
      "the sentinels' own password, if they have one (the master's goes in the URL); prefer the environment variable",
    ).env('IDSRV_REDIS_SENTINEL_PASSWORD'),
    new Option('--redis-sentinel-username <name>', "the sentinels' ACL user, with their password").env(
      'IDSRV_REDIS_SENTINEL_USERNAME',
    ),
    new Option(
      '--redis-tls-ca <file>',
      'PEM CA certificate(s) to trust for rediss:// (instead of the system CAs)',
    ).env('IDSRV_REDIS_TLS_CA'),
    new Option(
      '--redis-tls-cert <file>',
      'PEM client certificate for rediss://, for a Redis that requires one (with --redis-tls-key)',
    ).env('IDSRV_REDIS_TLS_CERT'),
    new Option('--redis-tls-key <file>', 'PEM private key of --redis-tls-cert').env('IDSRV_REDIS_TLS_KEY'),
  ];
}

/**
 * `serve`'s `--redis-client-cache-size` and `--redis-client-cache-ttl` (`IDSRV_REDIS_CLIENT_CACHE_SIZE`,
 * `IDSRV_REDIS_CLIENT_CACHE_TTL`): the instance's cache of clients read from Redis. Not for the other commands, which
 * serve no requests.
 */
export function redisCacheCliOptions(): Option[] {
  return [
    new Option(
      '--redis-client-cache-size <n>',
      'Redis: the most clients each instance keeps in memory (default 10000); set it above the number of clients in use',
    )
      .argParser(wholeNumber(1))
      .env('IDSRV_REDIS_CLIENT_CACHE_SIZE'),
    new Option(
      '--redis-client-cache-ttl <seconds>',
      'Redis: how long a cached client may be served before it is read again (default 10; 0: no cache)',
    )
      .argParser(wholeNumber(0))
      .env('IDSRV_REDIS_CLIENT_CACHE_TTL'),
  ];
}

/**
 * Reads the TLS files: those of the command line relative to the working directory, those of the configuration's
 * `Redis` section (`TlsCa`, `TlsCert`, `TlsKey`) relative to `configDir`. The command line wins file by file.
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` naming the option or setting and the file that cannot be read.
 */
export function readRedisTls(
  cli: RedisCliOptions,
  section: RedisSection,
  configDir: string | undefined,
): RedisTlsOptions | undefined {
  const pick = (
    flag: string,
    fromCli: string | undefined,
    setting: string,
    fromSection: string | undefined,
  ) =>
    fromCli !== undefined
      ? { name: flag, file: resolve(fromCli) }
      : fromSection !== undefined
        ? { name: `Redis.${setting}`, file: resolve(configDir ?? '.', fromSection) }
        : undefined;
  const files = {
    ca: pick('--redis-tls-ca', cli.redisTlsCa, 'TlsCa', section?.tlsCa),
    cert: pick('--redis-tls-cert', cli.redisTlsCert, 'TlsCert', section?.tlsCert),
    key: pick('--redis-tls-key', cli.redisTlsKey, 'TlsKey', section?.tlsKey),
  };
  const tls: RedisTlsOptions = {};
  for (const [part, chosen] of Object.entries(files) as [
    keyof RedisTlsOptions,
    { name: string; file: string },
  ][]) {
    if (!chosen) continue;
    try {
      tls[part] = readFileSync(chosen.file);
    } catch (cause) {
      throw new IdsrvError(
        'ERR_CONFIG_INVALID',
        `${chosen.name}: cannot read ${chosen.file} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
        { cause },
      );
    }
  }
  return Object.keys(tls).length > 0 ? tls : undefined;
}

/** The command line wins over the configuration's `Redis` section; `undefined` means the memory store. */
export function resolveRedis(
  cli: RedisCliOptions,
  section: RedisSection,
  // Where the configuration file is: the section's TLS file paths are relative to it.
  configDir?: string,
): (RedisServerOptions & { cluster: boolean }) | undefined {
  const url = cli.redis ?? section?.url;
  if (!url) return undefined;
  const keyPrefix = cli.redisPrefix ?? section?.keyPrefix;
  const sentinel = cli.redisSentinel ?? section?.sentinel;
  const sentinelPassword = cli.redisSentinelPassword ?? section?.sentinelPassword;
  const sentinelUsername = cli.redisSentinelUsername ?? section?.sentinelUsername;
  const tls = readRedisTls(cli, section, configDir);
  const clientCacheSize = cli.redisClientCacheSize ?? section?.clientCacheSize;
  const clientCacheTtl = cli.redisClientCacheTtl ?? section?.clientCacheTtl;
  return {
    url,
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    cluster: cli.redisCluster ?? section?.cluster ?? false,
    ...(sentinel !== undefined ? { sentinel } : {}),
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
    ...(sentinelUsername !== undefined ? { sentinelUsername } : {}),
    ...(tls ? { tls } : {}),
    ...(clientCacheSize !== undefined ? { clientCacheSize } : {}),
    ...(clientCacheTtl !== undefined ? { clientCacheTtl } : {}),
  };
}

/**
 * `idsrv clients import --config FILE --redis URL [--prune]` and `idsrv clients export --redis URL [--out FILE]`.
 * ioredis and the store are loaded only when one of them runs.
 */
export function addClientsCommands(
  program: Command,
  configOption: () => Option,
  environmentOption: () => Option,
) {
  const clients = program
    .command('clients')
    .description('copy client definitions between a configuration file and Redis');

  const importCommand = clients
    .command('import')
    .description(
      "copy the file's clients and resources into Redis (idempotent: only what differs is written) and report what changed",
    )
    .addOption(configOption())
    .addOption(environmentOption())
    .option('--prune', 'also remove clients that Redis holds and the file does not');
  for (const option of redisCliOptions()) importCommand.addOption(option);
  importCommand.action(
    async (options: RedisCliOptions & { config: string; environment?: string; prune?: boolean }) => {
      const configuration = await loadServerConfiguration(resolve(options.config), options.environment);
      const redis = needRedis(
        resolveRedis(options, configuration.redis, dirname(configuration.file)),
        'clients import',
      );
      const { openRedisBackend } = await import('./redis.ts');
      const backend = await openRedisBackend({ redis });
      try {
        const report = await backend.store.importDefinitions(configuration.definitions, {
          prune: options.prune ?? false,
        });
        const { created, updated, unchanged, removed } = report.clients;
        console.log(`${configuration.file} → ${describeRedis(redis)} (prefix '${backend.store.keyPrefix}')`);
        for (const id of created) console.log(`  + ${id} (created)`);
        for (const id of updated) console.log(`  ~ ${id} (updated)`);
        for (const id of removed) console.log(`  - ${id} (removed)`);
        console.log(
          `  ${created.length} created, ${updated.length} updated, ${unchanged.length} unchanged, ` +
            `${removed.length} removed; resources ${report.resources}`,
        );
      } finally {
        await backend.close();
      }
    },
  );

  const exportCommand = clients
    .command('export')
    .description('write the clients and resources held in Redis as appsettings.json (to --out, or to stdout)')
    .option('-o, --out <file>', 'the file to write (default: stdout)');
  for (const option of redisCliOptions()) exportCommand.addOption(option);
  exportCommand.action(async (options: RedisCliOptions & { out?: string }) => {
    const redis = needRedis(resolveRedis(options, undefined), 'clients export');
    const { openRedisBackend } = await import('./redis.ts');
    const backend = await openRedisBackend({ redis });
    try {
      const all: Client[] = [];
      let cursor: string | undefined;
      do {
        const page = await backend.store.clients.listClients({ limit: 1000, ...(cursor ? { cursor } : {}) });
        all.push(...page.clients);
        cursor = page.cursor;
      } while (cursor !== undefined);
      all.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
      const json = `${JSON.stringify(toAppSettings(all, await backend.store.resources.getAllResources()), null, 2)}\n`;
      if (options.out) {
        await writeFile(options.out, json);
        console.error(`${all.length} client(s) written to ${options.out}`);
      } else process.stdout.write(json);
    } finally {
      await backend.close();
    }
  });
}

function needRedis<T>(redis: T | undefined, command: string): T {
  if (redis) return redis;
  throw new IdsrvError(
    'ERR_CONFIG_INVALID',
    `${command} needs a Redis: pass --redis URL (or set IDSRV_REDIS_URL, or Redis:Url in the configuration)`,
  );
}

// IdentityServer spells DPoP with a capital P; everything else is a plain first-letter upper-casing.
const PASCAL_EXCEPTIONS: Record<string, string> = {
  dPoPValidationMode: 'DPoPValidationMode',
  dPoPClockSkew: 'DPoPClockSkew',
  requireDPoP: 'RequireDPoP',
};

/**
 * Definitions as an IdentityServer-shaped appsettings.json: the `IdentityServer` section with PascalCase names, dates
 * as ISO 8601 text, lifetimes in seconds. `Properties` keep their keys as they are (they are data, not names).
 * `idsrv check` and `serve --config` read the result back to the same definitions.
 */
export function toAppSettings(clients: readonly Client[], resources: Resources): Record<string, unknown> {
  return {
    IdentityServer: {
      IdentityResources: pascal(resources.identityResources),
      ApiScopes: pascal(resources.apiScopes),
      ApiResources: pascal(resources.apiResources),
      Clients: pascal(clients),
    },
  };
}

function pascal(value: unknown, verbatimKeys = false): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => pascal(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [
        verbatimKeys
          ? k
          : Object.hasOwn(PASCAL_EXCEPTIONS, k)
            ? PASCAL_EXCEPTIONS[k]!
            : k[0]!.toUpperCase() + k.slice(1),
        pascal(v, k === 'properties'),
      ]),
  );
}
