package cli

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/throttle"
)

// ThrottleSettings are the CHATQ_* variables of the fleet-wide throttle
// (README "Rate limits and benchmarks"). Config embeds them.
type ThrottleSettings struct {
	// RateLimits overrides per-family limits in calls/s, e.g.
	// "messages/users:100,messages/chatgroups:20"; 0 = no limit.
	RateLimits     map[string]float64 `envconfig:"RATE_LIMITS"`
	RateLimitTotal float64            `envconfig:"RATE_LIMIT_TOTAL" default:"0"`
	RateBurst      int                `envconfig:"RATE_BURST" default:"2"`
	RateMaxWait    time.Duration      `envconfig:"RATE_MAX_WAIT" default:"1s"`
	RatePause      time.Duration      `envconfig:"RATE_PAUSE" default:"100ms"`
	BreakerFails   int                `envconfig:"BREAKER_FAILURES" default:"5"`
	BreakerProbe   time.Duration      `envconfig:"BREAKER_PROBE_INTERVAL" default:"1s"`
	MaxRetryAfter  time.Duration      `envconfig:"MAX_RETRY_AFTER" default:"10m"`
	Throttle       bool               `envconfig:"THROTTLE" default:"true"`
}

// check validates the throttle settings.
func (s ThrottleSettings) check() []error {
	var errs []error
	add := func(ok bool, v, rule string) {
		if !ok {
			errs = append(errs, &ConfigError{Var: envPrefix + "_" + v, Rule: rule})
		}
	}
	_, err := throttle.ParseLimits(s.RateLimits)
	add(err == nil, "RATE_LIMITS", fmt.Sprintf(`must be family:calls-per-second pairs, e.g. "messages/users:100,messages/chatgroups:20": %v`, err))
	add(s.RateLimitTotal >= 0, "RATE_LIMIT_TOTAL", "must be >= 0 (0 = no overall cap)")
	add(s.RateBurst >= 1, "RATE_BURST", "must be at least 1 (1 = calls evenly spaced at the limit)")
	add(s.RateMaxWait > 0, "RATE_MAX_WAIT", "must be positive")
	add(s.RatePause > 0, "RATE_PAUSE", "must be positive")
	add(s.BreakerFails >= 1, "BREAKER_FAILURES", "must be at least 1")
	add(s.BreakerProbe > 0, "BREAKER_PROBE_INTERVAL", "must be positive")
	add(s.MaxRetryAfter > 0, "MAX_RETRY_AFTER", "must be positive")
	return errs
}

// throttleConfig is the throttle.Config the settings describe.
func (s ThrottleSettings) throttleConfig(logger *slog.Logger) throttle.Config {
	limits, _ := throttle.ParseLimits(s.RateLimits) // checked by check
	return throttle.Config{
		Limits: limits, Total: s.RateLimitTotal, Burst: s.RateBurst, MaxWait: s.RateMaxWait, Pause: s.RatePause,
		MaxPause: s.MaxRetryAfter, BreakerFailures: s.BreakerFails, ProbeInterval: s.BreakerProbe,
		Logger: logger,
	}
}

// startThrottlePublisher publishes the worker's throttle settings in Redis
// (also when CHATQ_THROTTLE=false, saying so) for chatq status, until the
// returned function is called.
func startThrottlePublisher(s ThrottleSettings, rdb redis.UniversalClient, worker string, logger *slog.Logger) (func(), error) {
	settings := s.throttleConfig(nil).Settings(worker, s.Throttle, time.Now())
	p, err := throttle.NewPublisher(throttle.PublisherParams{RDB: rdb, Settings: settings, Logger: logger})
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	p.Start(&wg)
	return func() { p.Shutdown(); wg.Wait() }, nil
}
