package throttle

import "github.com/redis/go-redis/v9"

// The scripts below change one family's shared hash atomically, so that
// of many workers that see the same 429 or the same failure only one starts
// the pause (and lowers the rate) or opens the breaker. Times are unix
// milliseconds from the calling worker's clock. Each returns the fields a
// worker caches (see parseShared) as a flat list.

// pause429Script: KEYS[1] family hash; ARGV now, pause ms, limit, decrease,
// recovery, min rate, ttl ms, decrease window ms, "1" when the provider
// sent Retry-After.
//
// 429s are counted per window ("strikes"). A few 429s (jitter at a strict
// bucket) change nothing for the fleet: their tasks are deferred and that
// is all. From the fifth 429 of a window on, or when the provider asked
// with Retry-After, the family is paused (a running pause is extended to
// now+pause). The first 429 after a window with two or more lowers the
// effective rate in proportion to how many that window had: ×(1 − 0.025 per
// 429), at most ×decrease — 0.95 for two (jitter); the eighth 429 of a
// window (a limit set too high) cuts by decrease at once and starts a new
// window.
var pause429Script = redis.NewScript(`
local h = KEYS[1]
local now = tonumber(ARGV[1])
local untilms = now + tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local window = tonumber(ARGV[8])
local cur = tonumber(redis.call('HGET', h, 'paused_until') or '0')
local strikes = tonumber(redis.call('HGET', h, 'strikes') or '0')
local strike_at = tonumber(redis.call('HGET', h, 'strike_at') or '0')
local started = 0
local decreased = 0
if now - strike_at >= window then
  if strikes >= 2 and limit > 0 then
    local rate = tonumber(redis.call('HGET', h, 'rate') or ARGV[3])
    local at = tonumber(redis.call('HGET', h, 'rate_at') or '0')
    local eff = math.min(limit, rate + tonumber(ARGV[5]) * limit * (now - at) / 1000)
    local factor = math.max(tonumber(ARGV[4]), 1 - 0.025 * strikes)
    local new = math.max(tonumber(ARGV[6]) * limit, eff * factor)
    redis.call('HSET', h, 'rate', tostring(new), 'rate_at', now)
    decreased = 1
  end
  strikes = 0
  strike_at = now
end
strikes = strikes + 1
if strikes >= 8 and limit > 0 then
  -- a clear overload: cut now rather than at the window's end
  local rate = tonumber(redis.call('HGET', h, 'rate') or ARGV[3])
  local at = tonumber(redis.call('HGET', h, 'rate_at') or '0')
  local eff = math.min(limit, rate + tonumber(ARGV[5]) * limit * (now - at) / 1000)
  local new = math.max(tonumber(ARGV[6]) * limit, eff * tonumber(ARGV[4]))
  redis.call('HSET', h, 'rate', tostring(new), 'rate_at', now)
  decreased = 1
  strikes = 0
  strike_at = now
end
redis.call('HSET', h, 'strikes', strikes, 'strike_at', strike_at)
if strikes >= 5 or decreased == 1 or ARGV[9] == '1' then
  if now >= cur then
    started = 1
    redis.call('HINCRBY', h, 'pauses', 1)
  end
  if untilms > cur then
    redis.call('HSET', h, 'paused_until', untilms)
  end
end
redis.call('PEXPIRE', h, tonumber(ARGV[7]))
local out = redis.call('HGETALL', h)
table.insert(out, 'started')
table.insert(out, tostring(started))
table.insert(out, 'decreased')
table.insert(out, tostring(decreased))
return out
`)

// breakerScript: KEYS[1] family hash; ARGV now, ok (1 an answer below 500,
// 0 a 5xx or network error), threshold, probe interval ms, ttl ms.
var breakerScript = redis.NewScript(`
local h = KEYS[1]
local now = tonumber(ARGV[1])
local st = redis.call('HGET', h, 'state') or 'closed'
local changed = 0
if ARGV[2] == '1' then
  if st ~= 'closed' then
    redis.call('HSET', h, 'state', 'closed', 'closed_at', now)
    changed = 1
  end
  redis.call('HSET', h, 'fails', 0)
else
  local fails = redis.call('HINCRBY', h, 'fails', 1)
  if (st == 'closed' and fails >= tonumber(ARGV[3])) or st == 'half-open' then
    if st == 'closed' then
      redis.call('HSET', h, 'opened_at', now)
      redis.call('HINCRBY', h, 'opens', 1)
      changed = 1
    end
    redis.call('HSET', h, 'state', 'open', 'next_probe', now + tonumber(ARGV[4]))
  end
end
redis.call('PEXPIRE', h, tonumber(ARGV[5]))
local out = redis.call('HGETALL', h)
table.insert(out, 'changed')
table.insert(out, tostring(changed))
return out
`)

// probeScript: KEYS[1] family hash; ARGV now, probe interval ms. Grants the
// probe slot of this interval to the first caller: the breaker goes
// half-open and the next slot opens one interval later.
var probeScript = redis.NewScript(`
local h = KEYS[1]
local now = tonumber(ARGV[1])
local st = redis.call('HGET', h, 'state') or 'closed'
local granted = 0
if st == 'closed' then
  granted = 1
elseif now >= tonumber(redis.call('HGET', h, 'next_probe') or '0') then
  redis.call('HSET', h, 'state', 'half-open', 'next_probe', now + tonumber(ARGV[2]))
  granted = 1
end
local out = redis.call('HGETALL', h)
table.insert(out, 'granted')
table.insert(out, tostring(granted))
return out
`)
