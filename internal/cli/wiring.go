package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/app"
	"github.com/chatq/chatq/policy"
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

// policyConfig is the policy the configuration describes: the defaults,
// CHATQ_POLICY_FILE and the retry settings.
func policyConfig(c Config) (app.PolicyConfig, error) {
	pc := app.PolicyConfig{RetryBaseDelay: c.RetryBaseDelay, RetryMaxDelay: c.RetryMaxDelay, MaxRetryAfter: c.MaxRetryAfter}
	if c.PolicyFile != "" {
		rules, err := policy.LoadRules(c.PolicyFile)
		if err != nil {
			return pc, &ConfigError{Var: envPrefix + "_POLICY_FILE", Rule: err.Error()}
		}
		pc.Overrides = rules
	}
	return pc, nil
}

// newPolicy builds the policy policyConfig describes.
func newPolicy(c Config) (*policy.Policy, error) {
	pc, err := policyConfig(c)
	if err != nil {
		return nil, err
	}
	p, err := app.NewPolicy(pc)
	return p, configErr(err)
}

// appVars names the CHATQ_* variables behind app.Config's fields, for
// configErr.
var appVars = map[string]string{
	"APIURL":                 envPrefix + "_API_URL",
	"AppKey":                 envPrefix + "_APP_KEY",
	"APIURL / AppKey":        envPrefix + "_API_URL / " + envPrefix + "_APP_KEY",
	"Dialect":                envPrefix + "_PROVIDER",
	"APICAFile":              envPrefix + "_API_CA_FILE",
	"HTTPTimeout":            envPrefix + "_HTTP_TIMEOUT",
	"AppID":                  envPrefix + "_APP_ID",
	"AppCertificate":         envPrefix + "_APP_CERTIFICATE",
	"AppID / AppCertificate": envPrefix + "_APP_ID / " + envPrefix + "_APP_CERTIFICATE",
	"AppID / ClientID":       envPrefix + "_APP_ID / " + envPrefix + "_CLIENT_ID",
	"ClientID":               envPrefix + "_CLIENT_ID",
	"ClientSecret":           envPrefix + "_CLIENT_SECRET",
	"Overrides":              envPrefix + "_POLICY_FILE",
}

// configErr turns an *app.ConfigError into the CLI's ConfigError (exit 2),
// naming the variable instead of the field.
func configErr(err error) error {
	var ae *app.ConfigError
	if !errors.As(err, &ae) {
		return err
	}
	v, ok := appVars[ae.Field]
	if !ok {
		v = envPrefix + "_* (" + ae.Field + ")"
	}
	return &ConfigError{Var: v, Rule: ae.Err.Error()}
}

// appConfig maps the configuration onto the worker builder's; the policy
// comes from newPolicy.
func appConfig(c Config, p *policy.Policy) app.Config {
	ac := app.Config{
		APIURL: c.APIURL, AppKey: c.AppKey, APICAFile: c.APICAFile, HTTPTimeout: c.HTTPTimeout, Dialect: c.dialect(),
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, AppID: c.AppID, AppCertificate: c.AppCertificate,
		TokenTTL: c.TokenTTL, Worker: workerConfig(c), Policy: p,
		DeadLetters: app.DeadLetterConfig{AuditMaxEntries: c.DeadLetterAuditMaxEntries,
			ReconcileInterval: c.DeadLetterReconcileEvery, Retention: c.DeadLetterRetention},
		Order: app.OrderConfig{SweepInterval: c.OrderSweepInterval, Grace: c.OrderGrace},
	}
	if c.Throttle {
		tc := c.throttleConfig(nil) // the worker's logger
		ac.Throttle = &tc
	}
	return ac
}

// newWorker builds the worker the configuration describes (app.New); obs,
// optional, sees every decision.
func newWorker(c Config, logger *slog.Logger, conn asynq.RedisConnOpt, rdb redis.UniversalClient,
	p *policy.Policy, obs dispatcher.Observer) (*app.Worker, error) {
	if err := c.requireAPI(); err != nil {
		return nil, err
	}
	w, err := app.New(appConfig(c, p), app.Deps{Redis: conn, RDB: rdb, Logger: logger, Observer: obs})
	return w, configErr(err)
}

func workerConfig(c Config) dispatcher.Config {
	return dispatcher.Config{
		Concurrency: c.Concurrency, Queues: c.Queues, QueueMode: c.QueueMode, PollInterval: c.PollInterval,
		ShutdownTimeout: c.ShutdownTimeout, DeferMaxAttempts: c.DeferMaxAttempts,
		DeferMaxAge: c.DeferMaxAge, Limits: c.limits(), CredentialsVars: c.credentialVars(),
		AppKeyVar: envPrefix + "_APP_KEY", MaxPayloadBytes: c.MaxPayloadBytes,
		DeliveredTTL: offWhenZero(c.DeliveredTTL), CheckCredentials: true,
		RecallWindow:      offWhenZero(c.RecallWindow),
		OrderOnDeadLetter: c.OrderOnDeadLetter, OrderChain: offWhenZero(c.OrderChain),
	}
}

// offWhenZero maps a setting's 0 (CHATQ_DELIVERED_TTL: no markers;
// CHATQ_RECALL_WINDOW: no check) to the dispatcher's negative value; the
// dispatcher's 0 means the default.
func offWhenZero(d time.Duration) time.Duration {
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
