package throttle

import (
	"fmt"
	"time"
)

// Reasons a call is not made now (DeferError.Reason).
const (
	ReasonRateLimit = "rate limit"
	ReasonPaused    = "paused after 429"
	ReasonOpen      = "circuit open"
	// ReasonProbeFailed: this call was the breaker's probe and the provider
	// is still down (Permit.Done).
	ReasonProbeFailed = "probe failed, circuit stays open"
)

// DeferError is Acquire's answer when a call must not be made now: the task
// should be tried again after Delay. It is not the task's failure.
type DeferError struct {
	Family Family
	Reason string // ReasonRateLimit, ReasonPaused, ReasonOpen or ReasonProbeFailed
	Delay  time.Duration
}

// Error returns "throttle: messages/users: circuit open; try again in 1.2s".
func (e *DeferError) Error() string {
	return fmt.Sprintf("throttle: %s: %s; try again in %s", e.Family, e.Reason, e.Delay.Round(time.Millisecond))
}
