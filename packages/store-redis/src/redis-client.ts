import { createHash } from 'node:crypto';
import { IdsrvError } from '@idsrv/model';
import type { Cluster, Redis } from 'ioredis';

/** The connection the caller passes: a single-node `Redis` or a `Cluster` from ioredis 6. The caller owns it. */
export type RedisConnection = Redis | Cluster;

/**
 * What every Redis failure of the store becomes: an `IdsrvError` with code `ERR_STORE_UNAVAILABLE`, the Redis error as
 * `cause`. It also carries `statusCode: 503` and `expose: false`, which is how oidc-provider's error handler recognises
 * an error it should answer with `503 {"error":"server_error"}` (instead of 500), without the store depending on
 * oidc-provider.
 */
export class RedisStoreUnavailableError extends IdsrvError {
  override readonly code = 'ERR_STORE_UNAVAILABLE' as const;
  /** HTTP status oidc-provider answers with. */
  readonly statusCode = 503;
  readonly status = 503;
  /** Not a client's fault: oidc-provider shows `server_error`, not this message. */
  readonly expose = false;
  constructor(operation: string, cause: unknown) {
    super(
      'ERR_STORE_UNAVAILABLE',
      `redis store: ${operation} failed: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = 'RedisStoreUnavailableError';
  }
}

/** Runs `fn`, turning any Redis or connection error into a {@link RedisStoreUnavailableError}. */
export async function guarded<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof IdsrvError) throw error;
    throw new RedisStoreUnavailableError(operation, error);
  }
}

/** A Lua script with its SHA1, run with EVALSHA and loaded with EVAL on `NOSCRIPT` (each Cluster node has its own cache). */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script. It does not use `defineCommand`, which would add commands to a connection the caller owns. On a
 * Cluster, ioredis routes it by its first key; every key a script touches must be in that key's hash slot.
 */
export async function runScript(
  client: RedisConnection,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}

/** Whether `client` is an ioredis `Cluster` (it has `nodes()`, a single-node `Redis` has not). */
export function isCluster(client: RedisConnection): client is Cluster {
  return (
    typeof (client as Cluster).nodes === 'function' && (client as { isCluster?: boolean }).isCluster === true
  );
}

/**
 * The connections to SCAN: the client itself, or every master of a Cluster, in a stable order (by address) so a
 * cursor that names a node by position stays meaningful between pages while the topology is unchanged.
 */
export function scanTargets(client: RedisConnection): Redis[] {
  if (!isCluster(client)) return [client];
  return client
    .nodes('master')
    .slice()
    .sort((a, b) => address(a).localeCompare(address(b)));
}

const address = (node: Redis) => `${node.options.host}:${node.options.port}`;

/** Counts the keys matching `pattern` with SCAN (never KEYS), over every master of a Cluster. */
export async function countKeys(client: RedisConnection, pattern: string): Promise<number> {
  let count = 0;
  for (const node of scanTargets(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
  }
  return count;
}
