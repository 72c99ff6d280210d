import { lua } from './redis-client.ts';

// Every script touches only the keys it is given, and callers only ever give keys of one hash slot: a record key
// alone, or a grant's index with that grant's records (one `{grantId}` hash tag). So each runs on one Cluster node,
// atomically, as Redis runs every script.

/** Lua prelude shared by the scripts that change a grant index. */
const RETIME = `-- Makes a grant index expire with the last of its records (or never, when one has no expiry).
local function retime(index)
  local last = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
  if last[2] == nil then return end
  if last[2] == 'inf' then
    redis.call('PERSIST', index)
  else
    redis.call('PEXPIREAT', index, last[2])
  end
end
`;

/**
 * Writes one record, replacing whatever the key held, and sets its lifetime.
 *
 * KEYS[1] the record key; KEYS[2] (grant-bound records only) the grant index.
 * ARGV: payload JSON, consumed ('' when not), uid, userCode, lifetime in ms ('0': none), id.
 * Returns the grant id the key pointed to before (a record that moved to another grant), or false.
 *
 * With a grant index, the same script prunes the index of ids whose records have expired (so the index of a grant
 * whose refresh token rotates for months holds only live records), adds this id scored by its expiry, and makes the
 * index expire with the last of its records: it never outlives what it indexes and never grows without bound.
 */
export const WRITE_RECORD = lua(`
${RETIME}local key = KEYS[1]
local previous = redis.call('HGET', key, 'g')
redis.call('DEL', key)
redis.call('HSET', key, 'p', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', key, 'c', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', key, 'u', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', key, 'uc', ARGV[4]) end
local ttl = tonumber(ARGV[5])
if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
if #KEYS > 1 then
  local index = KEYS[2]
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. string.format('%d', now))
  if ttl > 0 then
    redis.call('ZADD', index, string.format('%d', now + ttl), ARGV[6])
  else
    redis.call('ZADD', index, '+inf', ARGV[6])
  end
  retime(index)
end
return previous
`);

/**
 * Writes a record only if its key holds nothing (no record, no pointer), with its lifetime: the check and the write
 * are one script, so of concurrent inserts of one id, on any number of instances, exactly one sees 1. Only unindexed
 * records (no grant, uid or userCode) are inserted, so the record key is the only key involved.
 *
 * KEYS[1] the record key. ARGV: payload JSON, lifetime in ms (> 0).
 * Returns 1 when this call wrote the record, 0 when the key was taken.
 */
export const INSERT_RECORD = lua(`
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, 'p', ARGV[1])
redis.call('PEXPIRE', key, ARGV[2])
return 1
`);

/**
 * Makes a record key a pointer to the grant its record lives under, replacing what it held.
 *
 * KEYS[1] the record key. ARGV: grant id, lifetime in ms ('0': none).
 * Returns the grant id it pointed to before, or false.
 */
export const WRITE_POINTER = lua(`
local key = KEYS[1]
local previous = redis.call('HGET', key, 'g')
redis.call('DEL', key)
redis.call('HSET', key, 'g', ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
return previous
`);

/**
 * Marks a record consumed unless it already is: the check and the write are one script, so of concurrent
 * redemptions (on any number of instances) exactly one sees 1. The record keeps its lifetime (HSETNX on an existing
 * hash does not touch its TTL).
 *
 * KEYS[1] the record key. ARGV[1] the time, in seconds since the epoch.
 * Returns 0 when there is no record, 1 when this call consumed it, 2 when it was already consumed, or `{grantId}`
 * when the key is a pointer (the caller runs the script again on the grant-bound record).
 */
export const CONSUME = lua(`
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
local grant = redis.call('HGET', key, 'g')
if grant then return { grant } end
if redis.call('HSETNX', key, 'c', ARGV[1]) == 1 then return 1 end
return 2
`);

/**
 * Removes a record (or pointer) and, for a grant-bound record, its id from the grant index, whose expiry then
 * follows its remaining records (removing the one record without expiry lets the index expire again).
 *
 * KEYS[1] the record key; KEYS[2] (grant-bound records only) the grant index. ARGV[1] the id.
 * Returns `{grantId, uid, userCode}` of what was removed (each false when absent), for the caller to follow a
 * pointer and clean the uid and userCode indexes, which live in other slots.
 */
export const REMOVE_RECORD = lua(`
${RETIME}local fields = redis.call('HMGET', KEYS[1], 'g', 'u', 'uc')
redis.call('DEL', KEYS[1])
if #KEYS > 1 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  retime(KEYS[2])
end
return fields
`);

/**
 * Revokes records of one grant: removes each given record and its id from the grant index, in one step.
 *
 * KEYS[1] the grant index; KEYS[2..n] the grant's records. ARGV the ids of KEYS[2..n], in order.
 * Returns, for each record, `{uid, userCode}` (false when absent) so the caller can clean those indexes.
 */
export const REVOKE_GRANT = lua(`
${RETIME}local out = {}
for i = 2, #KEYS do
  local fields = redis.call('HMGET', KEYS[i], 'u', 'uc')
  redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], ARGV[i - 1])
  out[i - 1] = fields
end
retime(KEYS[1])
return out
`);

/**
 * Deletes a key only while it still holds `ARGV[1]` (a uid or userCode index entry another record may have taken
 * over since), or, with ARGV[2] set, only while hash field ARGV[2] holds ARGV[1] (a pointer to a revoked grant).
 */
export const DELETE_IF = lua(`
local current
if ARGV[2] then
  current = redis.call('HGET', KEYS[1], ARGV[2])
else
  current = redis.call('GET', KEYS[1])
end
if current == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Counts one failed sign-in in a fixed window: increments the counter and, when this failure opened the window, sets
 * its lifetime. One script, so the window is opened exactly once even when instances count at the same instant.
 *
 * KEYS[1] the counter. ARGV[1] the window, in ms. Returns the count.
 */
export const COUNT_FAILURE = lua(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`);

/**
 * The ms left in a counter's window when it has reached its limit, else 0.
 *
 * KEYS[1] the counter. ARGV[1] the limit. Returns the ms to wait (0: may try now).
 */
export const THROTTLE_WAIT = lua(`
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count < tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return 0 end
return ttl
`);
