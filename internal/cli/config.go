package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/ordering"
	"github.com/chatq/chatq/tasks"
)

// envPrefix is the prefix of every setting: CHATQ_REDIS_URL and so on.
const envPrefix = "CHATQ"

// Config is chatq's whole configuration, read from CHATQ_* variables. The
// README's configuration table lists the same names and defaults.
type Config struct {
	RedisURL         string         `envconfig:"REDIS_URL" default:"redis://127.0.0.1:6379/0"`
	APIURL           string         `envconfig:"API_URL"`
	APICAFile        string         `envconfig:"API_CA_FILE"` // PEM certificates trusted besides the system roots
	AppKey           string         `envconfig:"APP_KEY"`
	ClientID         string         `envconfig:"CLIENT_ID"`
	ClientSecret     string         `envconfig:"CLIENT_SECRET"`
	AppID            string         `envconfig:"APP_ID"`                 // with APP_CERTIFICATE: mint Agora app tokens
	AppCertificate   string         `envconfig:"APP_CERTIFICATE"`        // secret
	TokenTTL         time.Duration  `envconfig:"TOKEN_TTL" default:"1h"` // lifetime of minted or requested tokens, <= 24h
	Concurrency      int            `envconfig:"CONCURRENCY" default:"20"`
	Queues           map[string]int `envconfig:"QUEUES" default:"messages:6,users:2,groups:2,rest:1"`
	QueueMode        string         `envconfig:"QUEUE_MODE" default:"dedicated"`
	MaxRetry         int            `envconfig:"MAX_RETRY" default:"25"`
	RetryBaseDelay   time.Duration  `envconfig:"RETRY_BASE_DELAY" default:"1s"`
	RetryMaxDelay    time.Duration  `envconfig:"RETRY_MAX_DELAY" default:"5m"`
	DeferMaxAttempts int            `envconfig:"DEFER_MAX_ATTEMPTS" default:"100"`
	DeferMaxAge      time.Duration  `envconfig:"DEFER_MAX_AGE" default:"24h"`
	HTTPTimeout      time.Duration  `envconfig:"HTTP_TIMEOUT" default:"10s"`
	PollInterval     time.Duration  `envconfig:"POLL_INTERVAL" default:"1s"`
	ShutdownTimeout  time.Duration  `envconfig:"SHUTDOWN_TIMEOUT" default:"10s"`
	PolicyFile       string         `envconfig:"POLICY_FILE"`
	Provider         string         `envconfig:"PROVIDER"`                            // agora | easemob; "" = inferred from the credentials (dialect.go)
	MaxMessageBytes  int            `envconfig:"MAX_MESSAGE_BYTES"`                   // 0 = the dialect's (5120)
	MaxPayloadBytes  int            `envconfig:"MAX_PAYLOAD_BYTES" default:"1048576"` // worker: larger payloads are not decoded
	LogLevel         string         `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat        string         `envconfig:"LOG_FORMAT" default:"text"`

	// Fleet-wide rate limits, pause on 429, circuit breakers (throttleconfig.go).
	ThrottleSettings

	// Scale out (README "Scale out"): Redis Cluster seed nodes (host:port);
	// when set they win over RedisURL's host and database (redisconn.go).
	RedisClusterAddrs []string `envconfig:"REDIS_CLUSTER_ADDRS"`

	// Producer guarantees (README "Guarantees"): idempotency keys, expiry.
	IdempotencyWindow time.Duration `envconfig:"IDEMPOTENCY_WINDOW" default:"24h"`
	ExpiryDefaults    string        `envconfig:"EXPIRY_DEFAULTS"` // "message:send:2h,group:create:1h"
	// DeliveredTTL keeps delivered markers (issue #10): 0 = none, else >= 2m.
	DeliveredTTL time.Duration `envconfig:"DELIVERED_TTL" default:"10m"`
	// Ordered conversations (README "Ordered conversations", issue #13).
	OrderOnDeadLetter  string        `envconfig:"ORDER_ON_DEAD_LETTER" default:"skip"` // skip | block
	OrderSweepInterval time.Duration `envconfig:"ORDER_SWEEP_INTERVAL" default:"10s"`  // order sweeper passes
	OrderGrace         time.Duration `envconfig:"ORDER_GRACE" default:"30s"`           // a head's quiet time before the sweeper checks it
	OrderChain         time.Duration `envconfig:"ORDER_CHAIN" default:"1s"`            // 0 = never run a key's next task at once
	// RecallWindow is the app's message recall window: 0 = no check.
	RecallWindow time.Duration `envconfig:"RECALL_WINDOW" default:"2m"`

	// Operations (README "Operate"): metrics and health, the web UI.
	MetricsAddr     string        `envconfig:"METRICS_ADDR" default:"127.0.0.1:9090"` // "" = no metrics server
	RedisStartWait  time.Duration `envconfig:"REDIS_START_WAIT" default:"30s"`        // worker: how long to wait for Redis at start
	MonitorEnabled  bool          `envconfig:"MONITOR_ENABLED" default:"false"`       // serve the UI inside worker and demo
	MonitorAddr     string        `envconfig:"MONITOR_ADDR" default:"127.0.0.1:8080"`
	MonitorPath     string        `envconfig:"MONITOR_PATH" default:"/monitor"`
	MonitorUser     string        `envconfig:"MONITOR_USER"`
	MonitorPassword string        `envconfig:"MONITOR_PASSWORD"`
	MonitorReadOnly bool          `envconfig:"MONITOR_READONLY" default:"false"`
	MonitorInsecure bool          `envconfig:"MONITOR_INSECURE" default:"false"`

	// The ingest API (README "Producing tasks", issue #14): chatq serve, or
	// inside chatq worker when IngestEnabled.
	IngestEnabled      bool          `envconfig:"INGEST_ENABLED" default:"false"`
	IngestAddr         string        `envconfig:"INGEST_ADDR" default:"127.0.0.1:8081"`
	IngestKeysFile     string        `envconfig:"INGEST_KEYS_FILE"`                        // "<name> <sha256 hex>" lines
	IngestMaxBodyBytes int64         `envconfig:"INGEST_MAX_BODY_BYTES" default:"8388608"` // 8 MiB
	IngestMaxBatch     int           `envconfig:"INGEST_MAX_BATCH" default:"1000"`
	IngestTimeout      time.Duration `envconfig:"INGEST_TIMEOUT" default:"5s"`
	IngestStatusWindow time.Duration `envconfig:"INGEST_STATUS_WINDOW" default:"10m"`

	// Dead letters (README "Dead letters"): 0 retention keeps them forever.
	DeadLetterRetention       time.Duration `envconfig:"DEADLETTER_RETENTION" default:"0"`
	DeadLetterReconcileEvery  time.Duration `envconfig:"DEADLETTER_RECONCILE_INTERVAL" default:"1m"`
	DeadLetterAuditMaxEntries int64         `envconfig:"DEADLETTER_AUDIT_MAX" default:"10000"`
}

// maxRetryLimit caps a retry budget, from CHATQ_MAX_RETRY or --max-retry.
const maxRetryLimit = 1000

// secretVars are never echoed, not even in a parse error.
var secretVars = map[string]bool{"CHATQ_APP_CERTIFICATE": true, "CHATQ_CLIENT_SECRET": true, "CHATQ_MONITOR_PASSWORD": true}

// ConfigError is a bad or missing setting; chatq exits 2 on it.
type ConfigError struct {
	Var  string // e.g. CHATQ_CONCURRENCY
	Rule string
}

// Error names the variable and the rule it breaks.
func (e *ConfigError) Error() string { return e.Var + ": " + e.Rule }

// loadConfig reads the CHATQ_* variables of the process environment.
func loadConfig() (Config, error) {
	var c Config
	if err := envconfig.Process(envPrefix, &c); err != nil {
		return c, configParseError(err)
	}
	return c, c.validate()
}

func configParseError(err error) error {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return &ConfigError{Var: envPrefix + "_*", Rule: err.Error()}
	}
	rule := "must be a valid " + pe.TypeName
	if pe.TypeName == "time.Duration" {
		rule = "must be a duration such as 500ms, 10s or 5m"
	}
	if !secretVars[pe.KeyName] {
		rule += fmt.Sprintf(", got %q", pe.Value)
	}
	return &ConfigError{Var: pe.KeyName, Rule: rule}
}

func (c Config) validate() error {
	var errs []error
	check := func(ok bool, v, rule string) {
		if !ok {
			errs = append(errs, &ConfigError{Var: envPrefix + "_" + v, Rule: rule})
		}
	}
	check(c.Concurrency >= 1, "CONCURRENCY", "must be at least 1")
	check(c.MaxRetry >= 0 && c.MaxRetry <= maxRetryLimit, "MAX_RETRY", fmt.Sprintf("must be between 0 and %d", maxRetryLimit))
	check(c.RetryBaseDelay > 0, "RETRY_BASE_DELAY", "must be positive")
	check(c.RetryMaxDelay >= c.RetryBaseDelay, "RETRY_MAX_DELAY", "must be at least CHATQ_RETRY_BASE_DELAY")
	check(c.DeferMaxAttempts >= 1, "DEFER_MAX_ATTEMPTS", "must be at least 1")
	check(c.DeferMaxAge > 0, "DEFER_MAX_AGE", "must be positive")
	check(c.HTTPTimeout > 0, "HTTP_TIMEOUT", "must be positive")
	check(c.TokenTTL >= time.Second && c.TokenTTL <= 24*time.Hour && c.TokenTTL%time.Second == 0,
		"TOKEN_TTL", "must be whole seconds between 1s and 24h")
	check(c.PollInterval > 0, "POLL_INTERVAL", "must be positive")
	check(c.ShutdownTimeout > 0, "SHUTDOWN_TIMEOUT", "must be positive")
	check(c.RedisStartWait > 0, "REDIS_START_WAIT", "must be positive")
	_, provErr := c.parseProvider()
	check(provErr == nil, "PROVIDER", "must be agora or easemob (or unset: inferred from the credentials)")
	check(c.MaxMessageBytes >= 0, "MAX_MESSAGE_BYTES", "must not be negative (unset or 0: the dialect's limit)")
	least := tasks.LargestPayload(c.limits())
	check(c.MaxPayloadBytes >= least, "MAX_PAYLOAD_BYTES", fmt.Sprintf(
		"must be at least %d, the largest valid payload with CHATQ_MAX_MESSAGE_BYTES=%d", least, c.limits().MaxMessageBytes))
	check(c.IdempotencyWindow > 0, "IDEMPOTENCY_WINDOW", "must be positive")
	check(ordering.CheckMode(c.OrderOnDeadLetter) == nil, "ORDER_ON_DEAD_LETTER", `must be "skip" or "block"`)
	check(c.OrderSweepInterval > 0, "ORDER_SWEEP_INTERVAL", "must be positive")
	// A worker runs a key's next head outside asynq for up to one call
	// (HTTP_TIMEOUT, twice with a token request, plus the throttle's wait);
	// the sweeper must not take it for lost meanwhile.
	check(c.OrderGrace > 2*c.HTTPTimeout+5*time.Second, "ORDER_GRACE",
		fmt.Sprintf("must exceed twice CHATQ_HTTP_TIMEOUT plus 5s (%s)", 2*c.HTTPTimeout+5*time.Second))
	check(c.OrderChain >= 0, "ORDER_CHAIN", "must not be negative")
	check(c.RecallWindow >= 0, "RECALL_WINDOW", "must not be negative (0: no check)")
	check(c.DeliveredTTL == 0 || c.DeliveredTTL >= dispatcher.MinDeliveredTTL, "DELIVERED_TTL",
		fmt.Sprintf("must be 0 (no delivered markers) or at least %s (asynq's recovery window)", dispatcher.MinDeliveredTTL))
	_, expErr := parseExpiryDefaults(c.ExpiryDefaults)
	check(expErr == nil, "EXPIRY_DEFAULTS", fmt.Sprint(expErr))
	check(c.DeadLetterRetention >= 0, "DEADLETTER_RETENTION", "must not be negative (0 keeps dead letters forever)")
	check(c.DeadLetterReconcileEvery > 0, "DEADLETTER_RECONCILE_INTERVAL", "must be positive")
	check(c.DeadLetterAuditMaxEntries >= 1, "DEADLETTER_AUDIT_MAX", "must be at least 1")
	check(c.QueueMode == "weighted" || c.QueueMode == "dedicated", "QUEUE_MODE", "must be weighted or dedicated")
	check(validQueues(c.Queues), "QUEUES", `must be name:weight pairs with weights >= 1, e.g. "messages:6,users:2,groups:2"`)
	_, lvlErr := parseLevel(c.LogLevel)
	check(lvlErr == nil, "LOG_LEVEL", "must be debug, info, warn or error")
	check(c.LogFormat == "text" || c.LogFormat == "json", "LOG_FORMAT", "must be text or json")
	check(c.IngestMaxBodyBytes >= 1024, "INGEST_MAX_BODY_BYTES", "must be at least 1024")
	check(c.IngestMaxBatch >= 1, "INGEST_MAX_BATCH", "must be at least 1")
	check(c.IngestTimeout > 0, "INGEST_TIMEOUT", "must be positive")
	check(c.IngestStatusWindow > 0, "INGEST_STATUS_WINDOW", "must be positive")
	errs = append(errs, c.ThrottleSettings.check()...)
	return errors.Join(errs...)
}

// requireAPI checks the settings a process that calls the provider needs,
// including exactly one credentials source (see credentialVars).
func (c Config) requireAPI() error {
	var errs []error
	for _, s := range [][2]string{{"API_URL", c.APIURL}, {"APP_KEY", c.AppKey}} {
		if strings.TrimSpace(s[1]) == "" {
			errs = append(errs, &ConfigError{Var: envPrefix + "_" + s[0], Rule: "required"})
		}
	}
	if err := c.requireCredentials(); err != nil {
		errs = append(errs, err)
	}
	if c.AppKey != "" && strings.Count(c.AppKey, "#") != 1 {
		errs = append(errs, &ConfigError{Var: envPrefix + "_APP_KEY", Rule: `must be "org#app" with exactly one '#'`})
	}
	return errors.Join(errs...)
}

func validQueues(q map[string]int) bool {
	if len(q) == 0 {
		return false
	}
	for name, w := range q {
		if name == "" || w < 1 {
			return false
		}
	}
	return true
}

// limits are the validation limits of the dialect, with
// CHATQ_MAX_MESSAGE_BYTES over its message limit.
func (c Config) limits() tasks.Limits { return c.dialect().Rules().Limits(c.MaxMessageBytes) }

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}
