package throttle

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Every worker publishes the throttle settings it runs with, so that chatq
// status shows the limits the fleet uses rather than those of the shell it
// runs in. configKey is a hash: field = worker name, value = its Settings as
// JSON. configSeenKey is a sorted set of the same workers by the Redis time
// of their last publication: each publication drops the entries of workers
// not seen for a TTL (they died without removing theirs), and both keys
// expire a TTL after the last publication of any worker.
const (
	configKey     = "{chatq}:throttle:config"
	configSeenKey = "{chatq}:throttle:config:seen"
)

// Settings are the throttle settings one worker runs with, as published in
// Redis (Publisher) and read by chatq status (ReadSettings).
type Settings struct {
	// Worker names the process (host:pid by default).
	Worker string `json:"worker"`
	// Enabled is false for a worker that runs without a throttle; the
	// fields below are then its configuration all the same.
	Enabled bool `json:"enabled"`
	// Limits are calls/s per family (0 = no limit); Total the cap on all
	// families together (0 = none).
	Limits          map[Family]float64 `json:"limits"`
	Total           float64            `json:"total"`
	Burst           int                `json:"burst"`
	MaxWait         Duration           `json:"max_wait"`
	Pause           Duration           `json:"pause"`
	MaxPause        Duration           `json:"max_pause"`
	BreakerFailures int                `json:"breaker_failures"`
	ProbeInterval   Duration           `json:"probe_interval"`
	Recovery        float64            `json:"recovery"`
	// StartedAt is when the worker started; PublishedAt its last
	// publication (the worker's clock).
	StartedAt   time.Time `json:"started_at"`
	PublishedAt time.Time `json:"published_at"`
}

// Settings returns what a worker named worker publishes for c (defaults
// applied); enabled is false when the worker runs without a throttle.
func (c Config) Settings(worker string, enabled bool, started time.Time) Settings {
	c = c.withDefaults()
	return Settings{
		Worker: worker, Enabled: enabled, Limits: c.Limits, Total: c.Total, Burst: c.Burst,
		MaxWait: Duration(c.MaxWait), Pause: Duration(c.Pause), MaxPause: Duration(c.MaxPause),
		BreakerFailures: c.BreakerFailures, ProbeInterval: Duration(c.ProbeInterval), Recovery: c.Recovery,
		StartedAt: started,
	}
}

// Config returns the Config the settings describe (for ReadStatus).
func (s Settings) Config() Config {
	return Config{
		Limits: maps.Clone(s.Limits), Total: s.Total, Burst: s.Burst, MaxWait: time.Duration(s.MaxWait),
		Pause: time.Duration(s.Pause), MaxPause: time.Duration(s.MaxPause),
		BreakerFailures: s.BreakerFailures, ProbeInterval: time.Duration(s.ProbeInterval), Recovery: s.Recovery,
	}
}

// SameAs reports whether s and o configure the throttle alike (whoever
// published them, whenever).
func (s Settings) SameAs(o Settings) bool {
	return s.Summary() == o.Summary()
}

// Summary is the settings on one line, e.g. "on: messages/users 100/s, …,
// total none, burst 2, max wait 1s, pause 100ms (max 10m0s), breaker after 5
// failures, probe every 1s".
func (s Settings) Summary() string {
	var b strings.Builder
	if s.Enabled {
		b.WriteString("on: ")
	} else {
		b.WriteString("off: ")
	}
	for _, f := range Families {
		fmt.Fprintf(&b, "%s %s, ", f, perSecond(s.Limits[f]))
	}
	fmt.Fprintf(&b, "total %s, burst %d, max wait %s, pause %s (max %s), breaker after %d failures, probe every %s",
		perSecond(s.Total), max(s.Burst, 1), s.MaxWait, s.Pause, s.MaxPause, s.BreakerFailures, s.ProbeInterval)
	return b.String()
}

func perSecond(v float64) string {
	if v <= 0 {
		return "none"
	}
	return fmt.Sprintf("%g/s", v)
}

// publishScript: KEYS[1] config hash, KEYS[2] seen set; ARGV worker,
// settings JSON, ttl ms. Stores the worker's settings, drops those of
// workers unseen for ttl, and sets both keys to expire after ttl. The time
// is Redis's, so workers' clocks need not agree.
var publishScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - ttl))
for _, w in ipairs(stale) do
  redis.call('HDEL', KEYS[1], w)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - ttl))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return #stale
`)

// publish stores s (stamped now) for ttl.
func publish(ctx context.Context, rdb redis.UniversalClient, s Settings, now time.Time, ttl time.Duration) error {
	s.PublishedAt = now
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("throttle: publish settings: %w", err)
	}
	keys := []string{configKey, configSeenKey}
	if err := publishScript.Run(ctx, rdb, keys, s.Worker, b, ttl.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("throttle: publish settings: %w", err)
	}
	return nil
}

// unpublish removes worker's settings (a worker that stops).
func unpublish(ctx context.Context, rdb redis.UniversalClient, worker string) error {
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, configKey, worker)
		p.ZRem(ctx, configSeenKey, worker)
		return nil
	})
	if err != nil {
		return fmt.Errorf("throttle: remove published settings: %w", err)
	}
	return nil
}

// ReadSettings returns the settings of every worker that published them
// within the last TTL, the most recently started first. An entry that does
// not decode is skipped (a newer or older chatq may write more or fewer
// fields; these decode all the same).
func ReadSettings(ctx context.Context, rdb redis.UniversalClient) ([]Settings, error) {
	m, err := rdb.HGetAll(ctx, configKey).Result()
	if err != nil {
		return nil, fmt.Errorf("throttle: read published settings: %w", err)
	}
	out := make([]Settings, 0, len(m))
	for worker, v := range m {
		var s Settings
		if json.Unmarshal([]byte(v), &s) != nil {
			continue
		}
		s.Worker = worker
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Settings) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Worker, b.Worker)
	})
	return out, nil
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("500ms"), not as nanoseconds.
type Duration time.Duration

// String formats d as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
