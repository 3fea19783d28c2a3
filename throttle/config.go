package throttle

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"
)

// Config tunes a Throttle. The zero value of every field means its default.
type Config struct {
	// Limits are calls per second per family; a family missing here gets
	// its DefaultLimits value, and 0 means no limit for that family.
	Limits map[Family]float64
	// Total caps all families together, in calls per second (the free
	// plan's 10/s). 0 = no cap.
	Total float64
	// Burst is how many calls of a family the fleet may send back to back
	// above its steady rate. Calls leave at evenly spaced slots (1/limit
	// apart, fleet-wide), never before their slot; a slot may be used up to
	// Burst-1 intervals late (plus a timer's jitter, 1 ms), so a late call
	// and the next one on time make at most Burst calls within 1/limit.
	// Default 2: Go's timers wake a few percent of sleepers more than 1 ms
	// late, and with Burst 1 each of those slots is dropped (measured: about
	// one call in ten at 100/s). 1 suits a provider whose bucket holds one
	// call.
	Burst int
	// MaxWait is how long Acquire waits for a token or for a pause to end
	// before it defers the task instead. Default 1s.
	MaxWait time.Duration
	// Pause is how long a family is paused from the fifth 429 without
	// Retry-After in a DecreaseWindow. Default 100ms: a provider's bucket
	// refills within a few intervals, and every pause costs Pause × limit
	// calls of capacity.
	Pause time.Duration
	// MaxPause caps a Retry-After used as a pause. Default 10m.
	MaxPause time.Duration
	// Decrease is the strongest cut of a family's effective rate. 429s are
	// counted per DecreaseWindow; after a window with two or more, the rate
	// is multiplied by 1 − 0.025 per 429 of that window, but never by less
	// than Decrease: two 429s (jitter at a strict bucket) cost 5 %, eight
	// or more (a limit set too high) 20 %. One 429 alone changes nothing.
	// Default 0.8; must be in (0, 1].
	Decrease float64
	// DecreaseWindow is the window 429s are counted in. Default 1s.
	DecreaseWindow time.Duration
	// Recovery is the fraction of the configured limit the effective rate
	// regains per second after a decrease. Default 0.02.
	Recovery float64
	// MinRate is the floor of the effective rate, as a fraction of the
	// configured limit. Default 0.05.
	MinRate float64
	// BreakerFailures is how many 5xx answers or network errors in a row
	// open a family's breaker. Default 5.
	BreakerFailures int
	// ProbeInterval is the time between probes while a breaker is open (the
	// fleet makes at most one call per interval to that family). Default 1s.
	ProbeInterval time.Duration
	// Refresh is how long a worker trusts its cached copy of the shared
	// pause and breaker state. Default 100ms.
	Refresh time.Duration
	// BatchWindow sizes token reservations: a worker takes about this much
	// of the rate per Redis call (at least 1 token, at most 100). Default 50ms.
	BatchWindow time.Duration
	// Logger receives breaker and pause transitions; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Rand returns a value in [0, 1) for deferral jitter; nil = math/rand/v2.
	Rand func() float64
}

// withDefaults applies every default in one place.
func (c Config) withDefaults() Config {
	limits := DefaultLimits()
	for f, v := range c.Limits {
		limits[f] = v
	}
	c.Limits = limits
	c.MaxWait = orDuration(c.MaxWait, time.Second)
	c.Pause = orDuration(c.Pause, 100*time.Millisecond)
	if c.Burst == 0 {
		c.Burst = 2
	}
	c.DecreaseWindow = orDuration(c.DecreaseWindow, time.Second)
	c.MaxPause = orDuration(c.MaxPause, 10*time.Minute)
	c.Decrease = orFloat(c.Decrease, 0.8)
	c.Recovery = orFloat(c.Recovery, 0.02)
	c.MinRate = orFloat(c.MinRate, 0.05)
	if c.BreakerFailures == 0 {
		c.BreakerFailures = 5
	}
	c.ProbeInterval = orDuration(c.ProbeInterval, time.Second)
	c.Refresh = orDuration(c.Refresh, 100*time.Millisecond)
	c.BatchWindow = orDuration(c.BatchWindow, 50*time.Millisecond)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	for _, f := range slices.Sorted(maps.Keys(c.Limits)) {
		if v := c.Limits[f]; v < 0 {
			errs = append(errs, fmt.Errorf("field Limits[%q]: must be >= 0, got %g", f, v))
		}
	}
	if c.Total < 0 {
		errs = append(errs, fmt.Errorf("field Total: must be >= 0, got %g", c.Total))
	}
	if c.Decrease <= 0 || c.Decrease > 1 {
		errs = append(errs, fmt.Errorf("field Decrease: must be in (0, 1], got %g", c.Decrease))
	}
	if c.Recovery < 0 || c.MinRate < 0 || c.MinRate > 1 {
		errs = append(errs, fmt.Errorf("fields Recovery and MinRate: must be >= 0 (MinRate <= 1), got %g and %g", c.Recovery, c.MinRate))
	}
	if c.Burst < 1 {
		errs = append(errs, fmt.Errorf("field Burst: must be at least 1, got %d", c.Burst))
	}
	if c.BreakerFailures < 1 {
		errs = append(errs, fmt.Errorf("field BreakerFailures: must be at least 1, got %d", c.BreakerFailures))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"MaxWait", c.MaxWait}, {"Pause", c.Pause}, {"MaxPause", c.MaxPause}, {"ProbeInterval", c.ProbeInterval},
		{"Refresh", c.Refresh}, {"BatchWindow", c.BatchWindow}, {"DecreaseWindow", c.DecreaseWindow},
	} {
		if f.d < 0 {
			errs = append(errs, fmt.Errorf("field %s: must not be negative, got %s", f.name, f.d))
		}
	}
	return errors.Join(errs...)
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func orFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
