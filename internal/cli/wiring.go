package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/throttle"
)

// newLogger builds the process logger from CHATQ_LOG_LEVEL and CHATQ_LOG_FORMAT.
func newLogger(c Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: logAttrs(c.LogFormat == "json")}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redisConn turns CHATQ_REDIS_URL (or CHATQ_REDIS_CLUSTER_ADDRS, see
// redisConnOpt) into asynq's option and a go-redis client for chatq's own
// keys, on the same server (or cluster) and database.
func redisConn(c Config) (asynq.RedisConnOpt, redis.UniversalClient, error) {
	opt, err := redisConnOpt(c)
	if err != nil {
		return nil, nil, err
	}
	rdb, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, nil, fmt.Errorf("redis client of unexpected type %T", opt.MakeRedisClient())
	}
	return opt, rdb, nil
}

// newPolicy builds the policy from the defaults, CHATQ_POLICY_FILE and the
// retry settings.
func newPolicy(c Config) (*policy.Policy, error) {
	var overrides []policy.Rule
	if c.PolicyFile != "" {
		rules, err := policy.LoadRules(c.PolicyFile)
		if err != nil {
			return nil, &ConfigError{Var: envPrefix + "_POLICY_FILE", Rule: err.Error()}
		}
		overrides = rules
	}
	table, err := policy.NewTable(overrides, policy.DefaultRules())
	if err != nil {
		return nil, &ConfigError{Var: envPrefix + "_POLICY_FILE", Rule: err.Error()}
	}
	transient := policy.DefaultTransientBackoff
	transient.Base, transient.Max = c.RetryBaseDelay, c.RetryMaxDelay
	p, err := policy.New(policy.Config{Table: table, Backoff: map[policy.Class]policy.Backoff{policy.ClassTransient: transient},
		MaxRetryAfter: c.MaxRetryAfter})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return p, nil
}

// newAPI builds the REST client and the token source chosen by the
// configuration (newTokenSource), shared with the fleet through rdb.
func newAPI(c Config, hc *http.Client, rdb redis.UniversalClient, logger *slog.Logger) (*agora.Client, agora.TokenSource, error) {
	api, err := agora.New(agora.Config{BaseURL: c.APIURL, AppKey: c.AppKey, Timeout: c.HTTPTimeout, HTTPClient: hc,
		Dialect: c.dialect()})
	if err != nil {
		return nil, nil, &ConfigError{Var: envPrefix + "_API_URL / " + envPrefix + "_APP_KEY", Rule: err.Error()}
	}
	api = api.WithSecrets(c.ClientSecret, c.AppCertificate) // whichever pair is set

	tokens, err := newTokenSource(c, api, rdb, logger)
	if err != nil {
		return nil, nil, err
	}
	return api, tokens, nil
}

// wiredWorker is a worker with the collaborators the ops endpoints read.
type wiredWorker struct {
	*dispatcher.Worker
	tokens agora.TokenSource
	dead   *deadletter.Store
	// resolver marks dead letters resolved when their task, run again from
	// asynqmon, is delivered (deadletter.go starts and stops it).
	resolver *deadletter.Resolver
	// throttle is nil when CHATQ_THROTTLE=false.
	throttle *throttle.Throttle
	// transport carries every provider call; metrics read its counters.
	transport *agora.Transport
}

// newWorker wires a dispatcher.Worker from the configuration and the
// policy (newPolicy); obs, optional, sees every decision.
func newWorker(c Config, logger *slog.Logger, conn asynq.RedisConnOpt, rdb redis.UniversalClient,
	p *policy.Policy, obs dispatcher.Observer) (*wiredWorker, error) {
	if err := c.requireAPI(); err != nil {
		return nil, err
	}
	tr, err := newTransport(c)
	if err != nil {
		return nil, err
	}
	api, tokens, err := newAPI(c, &http.Client{Transport: tr}, rdb, logger)
	if err != nil {
		return nil, err
	}
	th, err := newThrottle(c.ThrottleSettings, rdb, logger)
	if err != nil {
		return nil, err
	}
	dead := deadletter.NewStoreWithConfig(rdb, deadletter.StoreConfig{AuditMaxLen: c.DeadLetterAuditMaxEntries})
	resolver := deadletter.NewResolver(deadletter.ResolverParams{Store: dead, Logger: logger})
	w, err := dispatcher.New(workerConfig(c), dispatcher.Deps{
		Redis: conn, RDB: rdb, API: api, Tokens: tokens, Policy: p,
		DeadLetters: dead, Logger: logger, Observer: obs, OnFinished: resolver.Note,
		Throttle: throttleDep(th),
	})
	if err != nil {
		return nil, err
	}
	return &wiredWorker{Worker: w, tokens: tokens, dead: dead, resolver: resolver, throttle: th, transport: tr}, nil
}

// newTransport sizes the provider connection pool to the calls the worker
// makes at once: CHATQ_CONCURRENCY, times the queues in dedicated mode
// (each queue its own slots), plus one for the token request.
func newTransport(c Config) (*agora.Transport, error) {
	slots := c.Concurrency
	if c.QueueMode == dispatcher.QueueModeDedicated {
		slots *= len(c.Queues)
	}
	tr, err := agora.NewTransport(agora.TransportConfig{MaxConns: slots + 1, CAFile: c.APICAFile,
		ResponseHeaderTimeout: c.HTTPTimeout})
	if err != nil {
		return nil, &ConfigError{Var: envPrefix + "_API_CA_FILE", Rule: err.Error()}
	}
	return tr, nil
}

func workerConfig(c Config) dispatcher.Config {
	return dispatcher.Config{
		Concurrency: c.Concurrency, Queues: c.Queues, QueueMode: c.QueueMode, PollInterval: c.PollInterval,
		ShutdownTimeout: c.ShutdownTimeout, DeferMaxAttempts: c.DeferMaxAttempts,
		DeferMaxAge: c.DeferMaxAge, Limits: c.limits(), CredentialsVars: c.credentialVars(),
		MaxPayloadBytes: c.MaxPayloadBytes, DeliveredTTL: deliveredTTL(c.DeliveredTTL),
		CheckCredentials: true,
	}
}

// deliveredTTL maps CHATQ_DELIVERED_TTL's 0 (no markers) to the
// dispatcher's negative value; its 0 means the default.
func deliveredTTL(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// pingRedis fails fast, with the URL's host named, when Redis is not there.
func pingRedis(ctx context.Context, rdb redis.UniversalClient) error {
	if err := rdb.Ping(ctx).Err(); err != nil {
		return &redisDownError{Var: redisURLVar, Cause: err}
	}
	return nil
}
