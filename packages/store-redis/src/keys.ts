import { createHash } from 'node:crypto';
import { IdsrvError } from '@idsrv/model';

/** Default of `keyPrefix`. */
export const DEFAULT_KEY_PREFIX = 'idsrv:';

/**
 * Builds every Redis key the store uses, under one prefix. The layout (see the README's "Key layout"):
 *
 * | key                                          | type   | holds                                                  |
 * | -------------------------------------------- | ------ | ------------------------------------------------------ |
 * | `{prefix}oidc:{model}:id:{id}`               | hash   | a record without `grantId` (`p` payload, `c` consumed, `u` uid, `uc` userCode), or, for a grant-bound record, only `g`: the grant it lives under |
 * | `{prefix}oidc:{model}:grant:{{grantId}}:rec:{id}` | hash | a grant-bound record (`p`, `c`, `u`, `uc`)         |
 * | `{prefix}oidc:{model}:grant:{{grantId}}:ids` | zset   | the ids of the grant's records, scored by expiry (ms)  |
 * | `{prefix}oidc:{model}:uid:{uid}`             | string | the id of the record with this `uid`                   |
 * | `{prefix}oidc:{model}:userCode:{userCode}`   | string | the id of the record with this `userCode`              |
 * | `{prefix}client:{clientId}`                  | string | a client definition (JSON)                             |
 * | `{prefix}resources`                          | string | every identity resource, API scope and API resource (JSON) |
 * | `{prefix}server:keys`                        | string | the instances' shared signing keys, cookie keys and DPoP nonce secret (JSON) |
 * | `{prefix}throttle:{u|i}:{hash}`              | string | failed sign-ins of one username or IP in the current window (expires with it) |
 *
 * The braces around the grant id are a Redis Cluster hash tag: only the part between them is hashed, so a grant's
 * records and its index are in one hash slot, and the Lua scripts that write or revoke them together run on one
 * node. The grant id is percent-encoded inside the tag, so that an id containing `{`, `}` or `:` can neither move
 * the tag nor make two keys equal.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** Where `find(id)` looks first: the record itself, or a pointer to its grant. */
  record(modelName: string, id: string): string;
  /** A grant-bound record, in its grant's hash slot. */
  grantRecord(modelName: string, grantId: string, id: string): string;
  /** The grant index (zset of ids scored by expiry), in the grant's hash slot. */
  grantIndex(modelName: string, grantId: string): string;
  uid(modelName: string, uid: string): string;
  userCode(modelName: string, userCode: string): string;
  /** `SCAN MATCH` pattern of every adapter key. */
  readonly adapterPattern: string;
  client(clientId: string): string;
  /** `SCAN MATCH` pattern of every client key. */
  readonly clientPattern: string;
  readonly resources: string;
  /**
   * A login throttle's counter: `kind` `u` (a username, already lower-cased) or `i` (an IP address). The name is a
   * SHA-256 of the value, so no username or address is readable in Redis.
   */
  throttle(kind: 'u' | 'i', value: string): string;
  readonly serverKeys: string;
  /** The pub/sub channel that announces client and resource changes to every instance. */
  readonly changes: string;
}

/**
 * Key builders for `prefix`.
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when the prefix contains `{` or `}`: a hash tag in the prefix would put
 * every key in one slot (or split a grant's keys over several), which defeats the store's Cluster layout.
 */
export function createKeys(prefix: string = DEFAULT_KEY_PREFIX): RedisKeys {
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `redis store: keyPrefix must be a string without '{' or '}' (they are Redis Cluster hash tags), got ${JSON.stringify(prefix)}`,
    );
  }
  const tag = (grantId: string) => `{${encodeURIComponent(grantId)}}`;
  return {
    prefix,
    record: (m, id) => `${prefix}oidc:${m}:id:${id}`,
    grantRecord: (m, g, id) => `${prefix}oidc:${m}:grant:${tag(g)}:rec:${id}`,
    grantIndex: (m, g) => `${prefix}oidc:${m}:grant:${tag(g)}:ids`,
    uid: (m, uid) => `${prefix}oidc:${m}:uid:${uid}`,
    userCode: (m, code) => `${prefix}oidc:${m}:userCode:${code}`,
    adapterPattern: `${escapeGlob(prefix)}oidc:*`,
    client: (id) => `${prefix}client:${id}`,
    clientPattern: `${escapeGlob(prefix)}client:*`,
    resources: `${prefix}resources`,
    throttle: (kind, value) =>
      `${prefix}throttle:${kind}:${createHash('sha256').update(value).digest('base64url')}`,
    serverKeys: `${prefix}server:keys`,
    changes: `${prefix}changes`,
  };
}

/** Escapes the glob characters of `SCAN MATCH` (`* ? [ ] \`) so a prefix matches itself only. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
