// Package e2etest runs a real chatq worker on a leased Redis database
// against the sandbox provider over real HTTP, for end-to-end tests.
//
// New builds a Fleet (one sandbox, one Redis deployment, a producer, an
// inspector, an event Recorder and a log buffer); AddWorker starts worker
// "processes" on it; NewHarness is a Fleet with one worker. At cleanup the
// logs are checked for secrets.
package e2etest

import (
	"context"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/app"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/throttle"
	"github.com/chatq/chatq/tokenstore"
)

// Credentials the sandbox and the workers share, and the wait deadline.
const (
	ClientID       = "test-client-id"
	ClientSecret   = "test-client-secret-9f8e7d"
	AppID          = "970CA35de60c44645bbae8a215061b33"
	AppCertificate = "5CFd2fd1755d40ecb72977518be15d3b"
	AppKey         = "org#app"
	// WaitTimeout bounds every wait for asynchronous work.
	WaitTimeout = 20 * time.Second
)

// TokenKind selects a worker's token source.
type TokenKind int

const (
	// ClientCredentials is an agora.ClientCredentials per worker.
	ClientCredentials TokenKind = iota
	// SharedClientCredentials is a tokenstore.Source shared through Redis
	// that fetches with client_credentials.
	SharedClientCredentials
	// SharedAppTokens is a tokenstore.Source shared through Redis that
	// mints AccessToken2 app tokens locally.
	SharedAppTokens
)

// FetchFunc builds a shared token source's fetch and its name from the
// worker's API client.
type FetchFunc func(api *agora.Client) (tokenstore.FetchFunc, string, error)

// Options configure a Fleet (Sandbox, Redis) and the workers it starts
// (everything else); AddWorker's options apply on top of New's.
type Options struct {
	// Sandbox configures the provider (fleet-wide).
	Sandbox sandbox.Config
	// Redis is the deployment; nil leases an empty database (redistest).
	Redis asynq.RedisConnOpt
	// Worker is the dispatcher configuration.
	Worker dispatcher.Config
	// HTTPTimeout is the API client's timeout.
	HTTPTimeout time.Duration
	// IdleConnsPerHost > 0 gives the worker its own HTTP transport.
	IdleConnsPerHost int
	// OwnRedisClient gives the worker its own go-redis client, as a
	// separate process has; otherwise it uses the fleet's client.
	OwnRedisClient bool
	// Store is the dead-letter store; nil: one on the worker's client.
	Store *deadletter.Store
	// Throttle, if set, gives the worker a throttle (Logger defaults to
	// the worker's logger).
	Throttle *throttle.Config
	// MaxRetryAfter caps Retry-After in the test policy.
	MaxRetryAfter time.Duration
	// Policy overrides the fast test policy.
	Policy *policy.Policy
	// Tokens selects the token source; Fetch, if set, overrides it with
	// a shared source that fetches with it.
	Tokens TokenKind
	Fetch  FetchFunc
	// OnFinished is dispatcher.Deps.OnFinished.
	OnFinished func(taskID string)
	// Observers see every event before the fleet's Recorder does.
	Observers []dispatcher.Observer
	// NoStart builds the worker without running it (Worker.Start).
	NoStart bool
	// Dialect is the dialect the worker's client speaks; "" = agora. Use
	// WithDialect to set the sandbox and the validation limits with it.
	Dialect agora.Dialect
	// Order configures the worker's order sweeper.
	Order app.OrderConfig
}

// WithDialect makes the fleet one provider dialect: the sandbox plays it,
// the worker speaks it and validates with its limits.
func WithDialect(d agora.Dialect) Option {
	return func(o *Options) {
		o.Dialect = d
		o.Sandbox.Dialect = string(d)
		o.Worker.Limits = d.Rules().Limits(0)
	}
}

// Option changes Options.
type Option func(*Options)

// DefaultOptions are fast test settings: ten workers, 20ms polls, a 2s
// HTTP timeout, client_credentials tokens.
func DefaultOptions() Options {
	return Options{
		Sandbox: sandbox.Config{ClientID: ClientID, ClientSecret: ClientSecret},
		Worker: dispatcher.Config{
			Concurrency: 10, PollInterval: 20 * time.Millisecond, ShutdownTimeout: 3 * time.Second,
			DeferMaxAttempts: 5, DeferMaxAge: time.Minute, CredentialsLogInterval: time.Hour,
		},
		HTTPTimeout: 2 * time.Second,
		// A sweeper that passes often, so that a released key's next head
		// is promoted within a test's wait; its Grace leaves a head a
		// worker runs outside asynq (a chain) alone for more than one call.
		Order: app.OrderConfig{SweepInterval: 100 * time.Millisecond, Grace: 10 * time.Second},
	}
}

// FastPolicy is the default policy with 10-40ms backoffs.
func FastPolicy(maxRetryAfter time.Duration) (*policy.Policy, error) {
	fast := policy.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2}
	return policy.New(policy.Config{MaxRetryAfter: maxRetryAfter,
		Backoff: map[policy.Class]policy.Backoff{policy.ClassTransient: fast, policy.ClassSlow: fast}})
}

// ClientCredentialsFetch fetches tokens with the test client credentials.
func ClientCredentialsFetch(api *agora.Client) (tokenstore.FetchFunc, string, error) {
	return func(ctx context.Context) (agora.Token, error) {
		return api.RequestToken(ctx, ClientID, ClientSecret, 0)
	}, AppKey, nil
}

// AppTokenFetch mints app tokens with the given certificate.
func AppTokenFetch(certificate string) FetchFunc {
	return func(*agora.Client) (tokenstore.FetchFunc, string, error) {
		src, err := agora.NewAppTokenSource(agora.AppTokenConfig{AppID: AppID, AppCertificate: certificate})
		if err != nil {
			return nil, "", err
		}
		return src.Mint, AppID, nil
	}
}
