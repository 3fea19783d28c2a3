package app

import (
	"fmt"
	"time"

	"github.com/chatq/chatq/policy"
)

// PolicyConfig is what a policy is built from: the provider's documented
// defaults, overrides on top and the transient backoff.
type PolicyConfig struct {
	// Overrides, optional, win over the default rows (a policy file).
	Overrides []policy.Rule
	// RetryBaseDelay and RetryMaxDelay bound the transient backoff.
	// Default: policy.DefaultTransientBackoff's.
	RetryBaseDelay, RetryMaxDelay time.Duration
	// MaxRetryAfter caps a provider's Retry-After. Default: the policy's.
	MaxRetryAfter time.Duration
}

// NewPolicy builds the worker's policy. A bad override is a *ConfigError
// for the field Overrides.
func NewPolicy(c PolicyConfig) (*policy.Policy, error) {
	table, err := policy.NewTable(c.Overrides, policy.DefaultRules())
	if err != nil {
		return nil, &ConfigError{Field: "Overrides", Err: err}
	}
	transient := policy.DefaultTransientBackoff
	if c.RetryBaseDelay > 0 {
		transient.Base = c.RetryBaseDelay
	}
	if c.RetryMaxDelay > 0 {
		transient.Max = c.RetryMaxDelay
	}
	p, err := policy.New(policy.Config{Table: table, MaxRetryAfter: c.MaxRetryAfter,
		Backoff: map[policy.Class]policy.Backoff{policy.ClassTransient: transient}})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return p, nil
}
