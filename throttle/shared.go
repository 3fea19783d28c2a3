package throttle

import (
	"strconv"
	"time"
)

// BreakerState is the state of a family's circuit breaker.
type BreakerState string

// Breaker states. Half-open means a probe is out and no other call may go.
const (
	Closed   BreakerState = "closed"
	Open     BreakerState = "open"
	HalfOpen BreakerState = "half-open"
)

// shared is a family's fleet-wide state as one worker last saw it.
type shared struct {
	rate        float64 // effective rate set by the last decrease; 0 = none
	rateAt      time.Time
	pausedUntil time.Time
	breaker     BreakerState
	fails       int
	openedAt    time.Time
	nextProbe   time.Time
	pauses      int64
	opens       int64
}

// effective is the rate in force at now: the last decrease plus the
// recovery since, never above the configured limit (0 = no limit).
func (s shared) effective(limit, recovery float64, now time.Time) float64 {
	if limit <= 0 || s.rate <= 0 {
		return limit
	}
	return min(limit, s.rate+recovery*limit*now.Sub(s.rateAt).Seconds())
}

// parseShared reads the family hash (HGETALL, or a script's flat list).
func parseShared(m map[string]string) shared {
	s := shared{breaker: Closed}
	s.rate, _ = strconv.ParseFloat(m["rate"], 64)
	s.rateAt = millis(m["rate_at"])
	s.pausedUntil = millis(m["paused_until"])
	if b := BreakerState(m["state"]); b == Open || b == HalfOpen {
		s.breaker = b
	}
	s.fails, _ = strconv.Atoi(m["fails"])
	s.openedAt = millis(m["opened_at"])
	s.nextProbe = millis(m["next_probe"])
	s.pauses, _ = strconv.ParseInt(m["pauses"], 10, 64)
	s.opens, _ = strconv.ParseInt(m["opens"], 10, 64)
	return s
}

// pairs turns a script's flat [k1, v1, k2, v2, …] answer into a map.
func pairs(v any) map[string]string {
	list, _ := v.([]any)
	m := make(map[string]string, len(list)/2)
	for i := 0; i+1 < len(list); i += 2 {
		k, _ := list[i].(string)
		val, _ := list[i+1].(string)
		m[k] = val
	}
	return m
}

func millis(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func stateKey(f Family) string { return "{chatq}:throttle:" + string(f) }
func gcraKey(f Family) string  { return "rate:{chatq}:throttle:" + string(f) }
func callsKey(f Family, sec int64) string {
	return "{chatq}:throttle:calls:" + string(f) + ":" + strconv.FormatInt(sec, 10)
}

const (
	totalGCRAKey = "rate:{chatq}:throttle:total"
	// stateTTL keeps an idle family's hash from living forever.
	stateTTL = 24 * time.Hour
	// callsTTL keeps the per-second call counts chatq status reads.
	callsTTL = time.Minute
)
