import { dirname, resolve } from 'node:path';
import { type Client, IdsrvError } from '@idsrv/model';
import type { KeyRingEntry, SigningAlgorithm } from '@idsrv/provider';
import { type Command, Option } from 'commander';
import { seconds } from './cli-arguments.ts';
import { type RedisCliOptions, redisCliOptions, resolveRedis } from './clients-command.ts';
import { loadServerConfiguration } from './configuration.ts';
import type { KeyRingStore } from './key-ring.ts';

// As in cli.ts: the list is repeated so that this module's options need no oidc-provider; the type keeps them in step.
const ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const satisfies readonly SigningAlgorithm[];

interface KeysCliOptions extends RedisCliOptions {
  config: string;
  environment?: string;
}

/**
 * `idsrv keys rotate` and `idsrv keys list`: the signing-key ring of the server that `--config` (its development key
 * file) or `--redis` (the instances' shared keys) names. Servers pick a change up without a restart.
 */
export function addKeysCommands(
  program: Command,
  configOption: () => Option,
  environmentOption: () => Option,
) {
  const keys = program
    .command('keys')
    .description('rotate and list the signing keys (the development key file, or the shared keys in Redis)');

  const rotate = keys
    .command('rotate')
    .description(
      'add a new signing key: published at once, signing after --activation-delay; superseded keys stay published ' +
        'for the longest token lifetime after that, then are removed',
    )
    .addOption(configOption())
    .addOption(environmentOption())
    .addOption(
      new Option('--activation-delay <seconds>', 'how long the new key is published before it signs')
        .argParser(seconds)
        .default(86_400, '86400 (a day)'),
    )
    .addOption(
      new Option(
        '--retention <seconds>',
        "how long superseded keys stay published after the new key activates (default: the longest client's access or identity token lifetime)",
      ).argParser(seconds),
    )
    .addOption(
      new Option('--alg <alg>', "the new key's algorithm (default: the signing key's)").choices(ALGORITHMS),
    );
  for (const option of redisCliOptions()) rotate.addOption(option);
  rotate.action(
    async (
      options: KeysCliOptions & { activationDelay: number; retention?: number; alg?: SigningAlgorithm },
    ) => {
      await withKeyRing(options, async ({ store, clients }) => {
        const { rotateKeys } = await import('./key-ring.ts');
        const { describeKeyRing, longestTokenLifetime } = await import('@idsrv/provider');
        const retention = options.retention ?? longestTokenLifetime(await clients());
        const now = Date.now();
        const { kid, ring } = await rotateKeys(store, {
          activationDelay: options.activationDelay,
          retention,
          now,
          ...(options.alg ? { alg: options.alg } : {}),
        });
        const added = describeKeyRing(ring, now).find((k) => k.kid === kid)!;
        console.log(`${store.description}: added ${added.alg} key ${kid}`);
        console.log(
          `  published now; signs from ${added.activatesAt?.toISOString() ?? 'now'}; the keys it supersedes stay ` +
            `published ${retention} s longer (longest token lifetime), then leave the JWKS`,
        );
        printTable(describeKeyRing(ring, now));
      });
    },
  );

  const list = keys
    .command('list')
    .description('list the signing keys: kid, algorithm, state and dates (never key material)')
    .addOption(configOption())
    .addOption(environmentOption())
    .option('--json', 'print JSON instead of a table');
  for (const option of redisCliOptions()) list.addOption(option);
  list.action(async (options: KeysCliOptions & { json?: boolean }) => {
    await withKeyRing(options, async ({ store }) => {
      const { describeKeyRing } = await import('@idsrv/provider');
      const entries = describeKeyRing(await store.load(), Date.now());
      if (options.json) console.log(JSON.stringify(entries, null, 2));
      else {
        console.log(store.description);
        printTable(entries);
      }
    });
  });
}

/** The ring of the server `options` describe, and where to read its clients' lifetimes; Redis is closed after. */
async function withKeyRing(
  options: KeysCliOptions,
  run: (context: { store: KeyRingStore; clients: () => Promise<Client[]> }) => Promise<void>,
): Promise<void> {
  const configuration = await loadServerConfiguration(resolve(options.config), options.environment);
  const redis = resolveRedis(options, configuration.redis, dirname(configuration.file));
  const { developmentKeyFile, fileKeyRingStore, redisKeyRingStore } = await import('./key-ring.ts');
  if (!redis) {
    await run({
      store: fileKeyRingStore(developmentKeyFile(configuration.file)),
      clients: async () => [...configuration.definitions.clients],
    });
    return;
  }
  const { openRedisBackend } = await import('./redis.ts');
  const backend = await openRedisBackend({ redis });
  try {
    await run({
      store: redisKeyRingStore(backend),
      // On Redis the clients there are the ones tokens are issued to, not the file's.
      clients: async () => {
        const all: Client[] = [];
        let cursor: string | undefined;
        do {
          const page = await backend.store.clients.listClients({
            limit: 1000,
            ...(cursor ? { cursor } : {}),
          });
          all.push(...page.clients);
          cursor = page.cursor;
        } while (cursor !== undefined);
        return all;
      },
    });
  } finally {
    await backend.close();
  }
}

function printTable(entries: KeyRingEntry[]): void {
  if (entries.length === 0) throw new IdsrvError('ERR_CONFIG_INVALID', 'the key ring holds no keys');
  const date = (d: Date | undefined) => d?.toISOString() ?? '-';
  const rows = [
    ['KID', 'ALG', 'STATE', 'CREATED', 'ACTIVATES', 'RETIRES'],
    ...entries.map((e) => [e.kid, e.alg, e.state, date(e.createdAt), date(e.activatesAt), date(e.retiresAt)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd());
}
