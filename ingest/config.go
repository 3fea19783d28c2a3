package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chatq/chatq/internal/netaddr"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

// Defaults of Config.
const (
	DefaultAddr           = "127.0.0.1:8081"
	DefaultMaxBodyBytes   = 8 << 20
	DefaultMaxBatch       = 1000
	DefaultRequestTimeout = 5 * time.Second
	DefaultStatusWindow   = 10 * time.Minute
)

// ErrInsecure is returned by New for a non-loopback address without keys.
var ErrInsecure = errors.New("refusing to serve the ingest API on a non-loopback address without API keys")

// Producer is what the server needs of a *tasks.Client.
type Producer interface {
	Prepare(taskType string, payload json.RawMessage, opts ...tasks.Option) (*tasks.Prepared, error)
	EnqueuePrepared(ctx context.Context, p *tasks.Prepared) (string, error)
	Enqueued(ctx context.Context, taskType, key string) (string, bool, error)
}

var _ Producer = (*tasks.Client)(nil)

// StatusReader is what the server needs of a *taskstatus.Reader.
type StatusReader interface {
	Get(ctx context.Context, id string) (taskstatus.Status, error)
}

var _ StatusReader = (*taskstatus.Reader)(nil)

// Config configures a Server.
type Config struct {
	// Addr is the listen address; New checks it against the key rule.
	// Optional; default DefaultAddr.
	Addr string
	// Keys are the accepted API keys. Optional on a loopback address
	// (then no authentication), required on any other.
	Keys []Key
	// Producer enqueues. Required.
	Producer Producer
	// Status reads task statuses. Required.
	Status StatusReader
	// Limits are the validation limits of payloads. Optional; zero means
	// tasks' defaults.
	Limits tasks.Limits
	// MaxBodyBytes bounds a request body. Optional; default 8 MiB.
	MaxBodyBytes int64
	// MaxBatch bounds the tasks of one batch. Optional; default 1000.
	MaxBatch int
	// RequestTimeout bounds each request's Redis work. Optional; default 5s.
	RequestTimeout time.Duration
	// StatusWindow is how long a finished task stays in asynq's completed
	// set (tasks.Retain), so its status is answerable. Optional; default
	// 10m (the delivered markers' default lifetime).
	StatusWindow time.Duration
	// Logger gets the access log. Optional; default slog.Default().
	Logger *slog.Logger
	// Registerer gets the metrics. Optional: without it the server keeps
	// its own registry and serves it at GET /metrics.
	Registerer prometheus.Registerer
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.StatusWindow <= 0 {
		c.StatusWindow = DefaultStatusWindow
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Producer == nil {
		errs = append(errs, errors.New("field Producer: required"))
	}
	if c.Status == nil {
		errs = append(errs, errors.New("field Status: required"))
	}
	if len(c.Keys) == 0 {
		loop, err := netaddr.IsLoopback(c.Addr)
		switch {
		case err != nil:
			errs = append(errs, err)
		case !loop:
			errs = append(errs, fmt.Errorf("%w: %s is reachable from other hosts and anyone could enqueue "+
				"messages in your app's name; give API keys (CHATQ_INGEST_KEYS_FILE) or bind a loopback address "+
				"such as %s", ErrInsecure, c.Addr, DefaultAddr))
		}
	}
	return errors.Join(errs...)
}
