#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IdsrvError, sha256, sha512 } from '@idsrv/model';
import type { SigningAlgorithm } from '@idsrv/provider';
import { Command, Option } from 'commander';
import { port, wholeNumber } from './cli-arguments.ts';
import {
  addClientsCommands,
  type RedisCliOptions,
  readRedisTls,
  redisCacheCliOptions,
  redisCliOptions,
  resolveRedis,
} from './clients-command.ts';
import { loadServerConfiguration } from './configuration.ts';
import { addKeysCommands } from './keys-command.ts';
import {
  lifecycleServerOptions,
  type ServeLifecycleCliOptions,
  serveLifecycleOptions,
  stopOnSignals,
} from './lifecycle.ts';
import {
  observabilityServerOptions,
  type ServeObservabilityCliOptions,
  serveObservabilityOptions,
} from './observability/cli-options.ts';
import { describeRedis } from './redis-section.ts';

// The same list as @idsrv/provider's SIGNING_ALGORITHMS, kept here so that `hash-secret` and `check` do not load
// oidc-provider (which prints a runtime warning on Node 20); the type check keeps the two in step.
const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const satisfies readonly SigningAlgorithm[];

const DEFAULT_CONFIG = fileURLToPath(new URL('../appsettings.json', import.meta.url));

const configOption = () =>
  new Option('-c, --config <file>', 'the appsettings.json to read').default(
    DEFAULT_CONFIG,
    'apps/server/appsettings.json',
  );
const environmentOption = () =>
  new Option('-e, --environment <name>', 'also read appsettings.{name}.json beside the file').env(
    'ASPNETCORE_ENVIRONMENT',
  );

const lifecycle = serveLifecycleOptions();
const observability = serveObservabilityOptions();

const program = new Command('idsrv')
  .description('An OAuth 2.0 / OpenID Connect token service for clients defined the IdentityServer way.')
  .showHelpAfterError();

const serve = program
  .command('serve')
  .description('start the token service (in memory, or on Redis with --redis)')
  .addOption(configOption())
  .addOption(environmentOption())
  .addOption(
    new Option('-p, --port <port>', 'TCP port (0 picks a free one)')
      .argParser(port)
      .default(5000)
      .env('PORT'),
  )
  .addOption(
    new Option('--signing-alg <alg>', 'algorithm of the development signing key')
      .choices(SIGNING_ALGORITHMS)
      .default('ES256'),
  )
  .addOption(
    new Option(
      '--signing-keys <file>',
      'a private JWKS file for production (first key signs, all publish)',
    ).env('IDSRV_SIGNING_KEYS_FILE'),
  )
  .addOption(
    new Option(
      '--memory-max-entries <n>',
      'memory store: the most sessions, grants, codes and tokens held (soonest-expiring evicted first)',
    )
      .argParser(wholeNumber(1))
      .env('IDSRV_MEMORY_MAX_ENTRIES'),
  );
for (const option of [...redisCliOptions(), ...redisCacheCliOptions()]) serve.addOption(option);
serve
  .addOption(lifecycle.watch)
  .addOption(lifecycle.noWatch)
  .addOption(lifecycle.shutdownTimeout)
  .addOption(lifecycle.tlsCert)
  .addOption(lifecycle.tlsKey)
  .addOption(lifecycle.trustProxy)
  .addOption(observability.logLevel)
  .addOption(observability.logFormat)
  .addOption(observability.metricsPort)
  .addOption(observability.noMetrics)
  .addOption(observability.noMetricsClientId)
  .action(
    async (
      options: RedisCliOptions &
        ServeLifecycleCliOptions &
        ServeObservabilityCliOptions & {
          config: string;
          environment?: string;
          port: number;
          signingAlg: SigningAlgorithm;
          signingKeys?: string;
          memoryMaxEntries?: number;
        },
    ) => {
      const configuration = await loadServerConfiguration(resolve(options.config), options.environment);
      const { startServer } = await import('./server.ts');
      const keysFromEnv = process.env.IDSRV_SIGNING_KEYS;
      const redis = resolveRedis(options, configuration.redis, dirname(configuration.file));
      const { logger, metrics } = await observabilityServerOptions(options, configuration.logging);
      const running = await startServer({
        logger,
        metrics,
        definitions: configuration.definitions,
        configFile: configuration.file,
        testUsers: configuration.testUsers,
        ...(redis ? { redis } : {}),
        ...(options.memoryMaxEntries ? { memory: { maxEntries: options.memoryMaxEntries } } : {}),
        port: options.port,
        ...(configuration.issuerUri ? { issuerUri: configuration.issuerUri } : {}),
        signingAlgorithm: options.signingAlg,
        ...(options.signingKeys
          ? { signingKeys: { json: readFileSync(options.signingKeys, 'utf8'), source: options.signingKeys } }
          : keysFromEnv
            ? { signingKeys: { json: keysFromEnv, source: 'IDSRV_SIGNING_KEYS' } }
            : {}),
        ...lifecycleServerOptions(options, {
          redis: Boolean(redis),
          environment: options.environment,
          redisSection: configuration.redis,
        }),
      });
      const { clients } = configuration.definitions;
      logger.info(
        { url: running.url, issuer: running.issuer },
        `idsrv listening on ${running.url} (issuer ${running.issuer})`,
      );
      logger.info(
        { file: configuration.file, clients: clients.length },
        `${clients.length} client(s) from ${configuration.file}: ${clients.map((c) => c.clientId).join(', ')}`,
      );
      if (redis)
        logger.info(
          { store: 'redis', redis: describeRedis(redis), key_prefix: redis.keyPrefix ?? 'idsrv:' },
          `store: Redis at ${describeRedis(redis)} (clients and resources from Redis, key prefix '${redis.keyPrefix ?? 'idsrv:'}')`,
        );
      logger.info(`discovery: ${running.issuer}/.well-known/openid-configuration`);
      if (metrics) logger.info(`metrics: ${running.metricsUrl ?? `${running.url}/metrics`} (Prometheus)`);
      // The shutdown lines go to the same log as everything else (JSON lines by default).
      stopOnSignals(running, options.shutdownTimeout, {
        info: (line) => logger.info(line),
        error: (line) => logger.error(line),
      });
    },
  );

addClientsCommands(program, configOption, environmentOption);
addKeysCommands(program, configOption, environmentOption);

program
  .command('hash-secret')
  .description('print a secret\'s IdentityServer-compatible hash, for ClientSecrets/ApiSecrets "Value"')
  .argument('<secret>', 'the plaintext secret')
  .option('--sha512', 'SHA-512 instead of SHA-256')
  .action((secret: string, options: { sha512?: boolean }) => {
    console.log(options.sha512 ? sha512(secret) : sha256(secret));
  });

program
  .command('hash-password')
  .description('print a scrypt hash of a password, for a test user\'s "PasswordHash" (TestUsers section)')
  .argument('<password>', 'the plaintext password')
  .action(async (password: string) => {
    const { hashPassword } = await import('@idsrv/users');
    console.log(await hashPassword(password));
  });

program
  .command('check')
  .description('validate a configuration file; exits non-zero with every problem found')
  .addOption(configOption())
  .addOption(environmentOption())
  .action(async (options: { config: string; environment?: string }) => {
    const configuration = await loadServerConfiguration(resolve(options.config), options.environment);
    // The Redis section's TLS files are part of the configuration: one that cannot be read would stop `serve`.
    try {
      readRedisTls({}, configuration.redis, dirname(configuration.file));
    } catch (error) {
      throw new IdsrvError(
        'ERR_CONFIG_INVALID',
        `${relative(process.cwd(), configuration.file)}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const d = configuration.definitions;
    console.log(
      `${configuration.file}: valid — ${d.clients.length} client(s), ${d.apiScopes.length} API scope(s), ` +
        `${d.apiResources.length} API resource(s), ${d.identityResources.length} identity resource(s)`,
    );
  });

program.parseAsync().catch((error: unknown) => {
  // Configuration errors carry every problem in their message; anything else is a bug worth its stack.
  const code = (error as { code?: string }).code;
  console.error(code?.startsWith('ERR_') ? (error as Error).message : error);
  process.exit(1);
});
