package ordering

import "github.com/redis/go-redis/v9"

// settleLua ends the stored task under key k: gone, or, when it was
// enqueued with an idempotency key ("keep" ms > 0), a "settled" stub that
// makes a later Append of the same id a no-op until the window ends.
const settleLua = `
local function settle(k)
  local keep = tonumber(redis.call('HGET', k, 'keep') or '0') or 0
  if keep > 0 then
    redis.call('HDEL', k, 'task')
    redis.call('HSET', k, 'settled', '1')
    redis.call('PEXPIRE', k, keep)
  else
    redis.call('DEL', k)
  end
end
`

// appendScript appends a task to its key, or, when ARGV[5] names the
// current head (a replayed dead letter taking back its place, a batch's
// split-off items), puts it in the head's place. An id already stored is
// not appended twice (a producer's retry after a crash).
//
// KEYS: sequence, task(id), active, counter, blocked, task(replaced head or id).
// ARGV: id, task JSON, now ms, key, replaced head or "", keep ms, counter TTL ms.
// Returns {is head (1/0), position, already stored (1/0)}.
var appendScript = redis.NewScript(settleLua + `
if redis.call('EXISTS', KEYS[2]) == 1 then
  local head = redis.call('LINDEX', KEYS[1], 0)
  local pos = tonumber(redis.call('HGET', KEYS[2], 'pos') or '0') or 0
  if head == ARGV[1] then return {1, pos, 1} end
  return {0, pos, 1}
end
local pos = redis.call('INCR', KEYS[4])
redis.call('PEXPIRE', KEYS[4], ARGV[7])
redis.call('HSET', KEYS[2], 'task', ARGV[2], 'pos', pos, 'key', ARGV[4], 'keep', ARGV[6])
if ARGV[5] ~= '' and redis.call('LINDEX', KEYS[1], 0) == ARGV[5] then
  redis.call('LSET', KEYS[1], 0, ARGV[1])
  settle(KEYS[6])
  redis.call('ZREM', KEYS[5], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
  return {1, pos, 0}
end
if redis.call('RPUSH', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
  return {1, pos, 0}
end
return {0, pos, 0}`)

// advanceScript removes a settled head — only if it is still the head —
// and returns the next one: {id, task JSON, position}; {} when the key is
// now empty; nil when id was not the head. The key's active score becomes
// ARGV[3]: now when the caller promotes the next head itself, 0 when it
// leaves that to the Sweeper. The next head's stored task is read under
// ARGV[4] .. id: a key of the same {chatq} slot, so one round trip does
// it on a cluster too.
//
// KEYS: sequence, task(id), active, blocked. ARGV: id, key, score, task key prefix.
var advanceScript = redis.NewScript(settleLua + `
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return false end
redis.call('LPOP', KEYS[1])
settle(KEYS[2])
redis.call('ZREM', KEYS[4], ARGV[2])
local nxt = redis.call('LINDEX', KEYS[1], 0)
if not nxt then
  redis.call('ZREM', KEYS[3], ARGV[2])
  return {}
end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
local t = redis.call('HMGET', ARGV[4] .. nxt, 'task', 'pos')
return {nxt, t[1] or '', t[2] or '0'}`)

// blockScript marks a key blocked by its dead-lettered head, only if id
// is still the head. KEYS: sequence, blocked. ARGV: id, key, now ms.
var blockScript = redis.NewScript(`
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[2])
return 1`)

// standingScript says where id stands in its key: 1 head, 2 waiting
// behind it, 0 not there (settled). KEYS: sequence. ARGV: id.
var standingScript = redis.NewScript(`
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then return 1 end
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 2 end
return 0`)

// dropIfEmptyScript forgets an active key whose sequence is empty.
// KEYS: sequence, active. ARGV: key.
var dropIfEmptyScript = redis.NewScript(`
if redis.call('LLEN', KEYS[1]) == 0 then return redis.call('ZREM', KEYS[2], ARGV[1]) end
return 0`)
