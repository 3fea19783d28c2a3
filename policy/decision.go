package policy

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Failure describes one failed provider call, as the REST client reported it.
type Failure struct {
	Status     int           // HTTP status; 0 for a network error
	Code       string        // provider "error" code; "" when the body had none
	Message    string        // provider "error_description"
	TaskType   string        // e.g. "group:members:add"
	Network    bool          // no HTTP answer (connection error, timeout)
	Token      bool          // the failure came from the token endpoint
	RetryAfter time.Duration // provider hint, 0 = none
}

// DefaultMaxRetryAfter is the default cap for a provider's Retry-After.
const DefaultMaxRetryAfter = 10 * time.Minute

// Config configures a [Policy]. The zero value is valid: every field has a default.
type Config struct {
	// Table is the decision table. Optional; nil = the default rows.
	Table *Table
	// Backoff is the schedule per class. Optional; missing classes get
	// DefaultTransientBackoff and DefaultSlowBackoff. Every class used by a
	// row of Table must have an entry.
	Backoff map[Class]Backoff
	// MaxRetryAfter caps a provider's Retry-After. Optional; 0 = 10m.
	MaxRetryAfter time.Duration
	// Rand returns a value in [0, 1) for jitter. Optional; nil =
	// math/rand/v2 Float64. It must be safe for concurrent use.
	Rand func() float64
}

// withDefaults applies every default in one place.
func (c Config) withDefaults() (Config, error) {
	if c.Table == nil {
		t, err := NewTable(nil, defaultRules)
		if err != nil {
			return c, fmt.Errorf("default table: %w", err) // a bug in defaults.go; tests cover it
		}
		c.Table = t
	}
	b := map[Class]Backoff{ClassTransient: DefaultTransientBackoff, ClassSlow: DefaultSlowBackoff}
	for k, v := range c.Backoff {
		b[k] = v
	}
	c.Backoff = b
	if c.MaxRetryAfter == 0 {
		c.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	return c, nil
}

func (c Config) validate() error {
	if c.MaxRetryAfter < 0 {
		return fieldErr("MaxRetryAfter", errors.New("must be >= 0"))
	}
	for _, class := range slices.Sorted(maps.Keys(c.Backoff)) {
		if field, err := c.Backoff[class].validate(); err != nil {
			return fieldErr(fmt.Sprintf("Backoff[%q].%s", class, field), err)
		}
	}
	for _, r := range c.Table.merged {
		if _, ok := c.Backoff[r.Class]; r.Class != "" && !ok {
			return fieldErr("Backoff", fmt.Errorf("no entry for class %q used by rule %q", r.Class, r.Name))
		}
	}
	return nil
}

// fieldErr prefixes err with the Config field it is about.
func fieldErr(field string, err error) error { return fmt.Errorf("%s: %w", field, err) }

// Policy turns failures into decisions. It is safe for concurrent use if
// Config.Rand is.
type Policy struct {
	table         *Table
	backoff       map[Class]Backoff
	maxRetryAfter time.Duration
	rand          func() float64
}

// New returns a Policy for cfg after applying defaults. Errors name the
// Config field.
func New(cfg Config) (*Policy, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("policy config: %w", err)
	}
	return &Policy{table: cfg.Table, backoff: cfg.Backoff, maxRetryAfter: cfg.MaxRetryAfter, rand: cfg.Rand}, nil
}

// Table returns the policy's decision table.
func (p *Policy) Table() *Table { return p.table }

// Decision is the outcome for one failure.
type Decision struct {
	Action Action
	// Delay is when to try again, for retry, defer, refresh and credentials:
	// the provider's Retry-After (capped) if any, else the backoff of the
	// rule's class for the attempt. Zero for done and dead-letter.
	Delay time.Duration
	// Rule is the row that decided.
	Rule Rule
	// Reason is one line: Rule.Reason and the status and code, e.g.
	// "user already exists (400 duplicate_unique_property_exists)". It never
	// contains the request, the token or the description.
	Reason string
}

// Decide looks f up and computes the delay. attempt is how many retries or
// deferrals already happened (0-based); negative counts as 0.
func (p *Policy) Decide(f Failure, attempt int) Decision {
	r := p.table.Lookup(f)
	d := Decision{Action: r.Action, Rule: r, Reason: r.Reason + " (" + describe(f) + ")"}
	if r.Action.delayed() {
		d.Delay = p.delay(r.Class, f.RetryAfter, attempt)
	}
	return d
}

// delay implements "server hints win": a Retry-After comes first, capped.
func (p *Policy) delay(c Class, retryAfter time.Duration, attempt int) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.maxRetryAfter)
	}
	return p.BackoffDelay(c, attempt)
}

// BackoffDelay returns the jittered backoff of class c for attempt (0-based).
// An unknown class uses the transient schedule.
func (p *Policy) BackoffDelay(c Class, attempt int) time.Duration {
	b, ok := p.backoff[c]
	if !ok {
		b = p.backoff[ClassTransient]
	}
	return b.Delay(attempt, p.rand())
}

// describe renders "token 401 unauthorized" / "network" / "429" for reasons.
func describe(f Failure) string {
	var b strings.Builder
	if f.Token {
		b.WriteString("token ")
	}
	if isNetwork(&f) {
		b.WriteString("network")
	} else {
		b.WriteString(strconv.Itoa(f.Status))
	}
	if f.Code != "" {
		b.WriteByte(' ')
		b.WriteString(sanitizeCode(f.Code))
	}
	return b.String()
}

// sanitizeCode keeps a provider code printable and short, so a hostile or
// broken body cannot inject lines into logs.
func sanitizeCode(s string) string {
	const maxLen = 64
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '?'
		}
		return r
	}, s)
}
