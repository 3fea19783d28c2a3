package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/throttle"
)

// Config is what a worker is built from. The zero value of every optional
// field means its default.
type Config struct {
	// APIURL is the provider's REST base URL. Required.
	APIURL string
	// AppKey is the provider's "org#app". Required.
	AppKey string
	// APICAFile, optional, is a PEM file of certificates trusted besides
	// the system roots.
	APICAFile string
	// HTTPTimeout bounds one provider call, headers and body. Default 10s.
	HTTPTimeout time.Duration
	// Dialect is the provider spoken (agora/dialect.go). Default agora.
	// Worker.Limits should be its DialectRules.Limits.
	Dialect agora.Dialect

	// Credentials: ClientID and ClientSecret (client_credentials), or
	// AppID and AppCertificate (Agora app tokens minted locally). Exactly
	// one pair is required unless Deps.Tokens is set; both secrets, when
	// given, are redacted from every error the REST client reports.
	ClientID, ClientSecret string
	AppID, AppCertificate  string
	// TokenTTL is the lifetime of requested or minted tokens. Default: the
	// provider's (client_credentials) or agora's default (app tokens).
	TokenTTL time.Duration

	// Worker configures the dispatcher (concurrency, queues, budgets).
	Worker dispatcher.Config
	// Policy decides every failure. Optional: nil builds
	// NewPolicy(PolicyConfig{}), the provider's documented defaults.
	Policy *policy.Policy
	// Throttle, optional, gates calls fleet-wide; nil: no throttle. Its
	// Logger defaults to Deps.Logger.
	Throttle *throttle.Config
	// DeadLetters configures the store and its background loops.
	DeadLetters DeadLetterConfig
	// Order configures the order sweeper (ordering.Sweeper); what a
	// dead-lettered head does is Worker.OrderOnDeadLetter.
	Order OrderConfig
}

// OrderConfig configures the order sweeper a worker runs.
type OrderConfig struct {
	// SweepInterval is the time between sweeper passes. Default 10s;
	// negative: no sweeper.
	SweepInterval time.Duration
	// Grace is how long a head is left alone before the sweeper checks
	// it. Default 30s.
	Grace time.Duration
}

// DeadLetterConfig configures the dead-letter store, the resolver and the
// reconciler a worker runs.
type DeadLetterConfig struct {
	// AuditMaxEntries caps the audit log. Default: the store's (10,000).
	AuditMaxEntries int64
	// ResolveInterval is how often the resolver checks the tasks that
	// finished well against open dead letters. Default 100ms.
	ResolveInterval time.Duration
	// ReconcileInterval is the time between reconciler passes. Default 1m;
	// negative: no reconciler (tests whose archive must stay as the worker
	// left it).
	ReconcileInterval time.Duration
	// Retention deletes dead letters older than this. Default 0: keep.
	Retention time.Duration
}

// ConfigError is a field of Config that cannot be used. Field is the Go
// name of the field (or fields, joined by " / "), so that a caller can name
// its own setting instead.
type ConfigError struct {
	Field string
	Err   error
}

// Error names the field and the rule it breaks.
func (e *ConfigError) Error() string { return "field " + e.Field + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
}

func (c Config) withDefaults() Config {
	if c.HTTPTimeout == 0 {
		c.HTTPTimeout = 10 * time.Second
	}
	if c.DeadLetters.ResolveInterval == 0 {
		c.DeadLetters.ResolveInterval = 100 * time.Millisecond
	}
	if c.DeadLetters.ReconcileInterval == 0 {
		c.DeadLetters.ReconcileInterval = time.Minute
	}
	return c
}

// validate checks the provider settings, in a fixed order; the credentials
// only when the worker builds its own token source.
func (c Config) validate(ownTokens bool) error {
	var errs []error
	if strings.TrimSpace(c.APIURL) == "" {
		errs = append(errs, fieldErr("APIURL", "required"))
	}
	switch {
	case strings.TrimSpace(c.AppKey) == "":
		errs = append(errs, fieldErr("AppKey", "required"))
	case strings.Count(c.AppKey, "#") != 1:
		errs = append(errs, fieldErr("AppKey", `must be "org#app" with exactly one '#'`))
	}
	if c.HTTPTimeout < 0 {
		errs = append(errs, fieldErr("HTTPTimeout", "must not be negative, got %s", c.HTTPTimeout))
	}
	if ownTokens {
		errs = append(errs, c.credentials().check())
	}
	return errors.Join(errs...)
}
