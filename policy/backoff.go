package policy

import (
	"errors"
	"fmt"
	"time"
)

// Backoff configures one class's exponential backoff. The maths is that of
// github.com/cenkalti/backoff/v4 ExponentialBackOff: the interval for attempt n
// is Base·Multiplierⁿ, capped at Max, and the delay is drawn uniformly from
// interval·[1-Jitter, 1+Jitter]. As in that package, Max caps the interval
// before jitter, so a delay can exceed Max by up to Max·Jitter.
type Backoff struct {
	// Base is the interval for attempt 0. Required, > 0.
	Base time.Duration
	// Max caps the interval. Required, >= Base.
	Max time.Duration
	// Multiplier is the growth per attempt. Required, >= 1.
	Multiplier float64
	// Jitter is the randomization factor, 0 (none) to 1.
	Jitter float64
}

// The default backoff per class; see [Config.Backoff].
var (
	DefaultTransientBackoff = Backoff{Base: time.Second, Max: 5 * time.Minute, Multiplier: 2, Jitter: 0.2}
	DefaultSlowBackoff      = Backoff{Base: time.Minute, Max: time.Hour, Multiplier: 2, Jitter: 0.2}
)

// validate returns the name of the first invalid field and why.
func (b Backoff) validate() (field string, err error) {
	switch {
	case b.Base <= 0:
		return "Base", errors.New("must be > 0")
	case b.Max < b.Base:
		return "Max", fmt.Errorf("must be >= Base (%s)", b.Base)
	case !(b.Multiplier >= 1): // also rejects NaN
		return "Multiplier", errors.New("must be >= 1")
	case !(b.Jitter >= 0 && b.Jitter <= 1):
		return "Jitter", errors.New("must be between 0 and 1")
	}
	return "", nil
}

// interval returns the un-jittered interval for attempt n (0-based), exactly
// as n calls to ExponentialBackOff's incrementCurrentInterval would leave it.
func (b Backoff) interval(n int) time.Duration {
	cur := b.Base
	for range max(n, 0) {
		if float64(cur) >= float64(b.Max)/b.Multiplier {
			return b.Max // the cap is sticky: further attempts stay at Max
		}
		next := time.Duration(float64(cur) * b.Multiplier)
		if next == cur {
			return cur // Multiplier 1 (or too small to move): constant from here
		}
		cur = next
	}
	return cur
}

// Delay returns the delay for attempt n (0-based) using random, a value in
// [0, 1), with ExponentialBackOff's getRandomValueFromInterval formula.
func (b Backoff) Delay(n int, random float64) time.Duration {
	cur := b.interval(n)
	if b.Jitter == 0 {
		return cur
	}
	delta := b.Jitter * float64(cur)
	lo, hi := float64(cur)-delta, float64(cur)+delta
	return time.Duration(lo + random*(hi-lo+1))
}
