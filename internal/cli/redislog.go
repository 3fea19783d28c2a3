package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// go-redis writes its own lines ("redis: 2026/01/02 pool.go:770: connection
// pool: failed to dial …") to stderr through a process-global logger, which
// breaks JSON logs. Main routes them through the command's slog logger: the
// adapter is installed when the package initialises (go-redis reads its
// logger without a lock, so it must be in place before any client exists),
// and each run of Main points it at its logger and back when it returns.
var redisLogs struct {
	// mu is held for reading while a line is written, so that once the
	// restore function of routeRedisLogs returns, no line is still on its way
	// to the writer of the Main that returned.
	mu     sync.RWMutex
	target *slog.Logger // nil: slog.Default()
}

func init() { redis.SetLogger(redisLogAdapter{}) }

// redisLogAdapter implements go-redis's logger interface.
type redisLogAdapter struct{}

// Printf logs one go-redis line as a warning: go-redis prints only when
// something went wrong or changed (a failed dial, a bad connection
// discarded, a new Sentinel master). Its own "redis: " prefix is dropped.
func (redisLogAdapter) Printf(ctx context.Context, format string, v ...any) {
	redisLogs.mu.RLock()
	defer redisLogs.mu.RUnlock()
	logger := redisLogs.target
	if logger == nil {
		logger = slog.Default()
	}
	msg := strings.TrimPrefix(strings.TrimSpace(fmt.Sprintf(format, v...)), "redis: ")
	logger.Log(ctx, slog.LevelWarn, msg, slog.String("component", "go-redis"))
}

// routeRedisLogs sends go-redis's lines to logger until the returned
// function is called.
func routeRedisLogs(logger *slog.Logger) (restore func()) {
	redisLogs.mu.Lock()
	prev := redisLogs.target
	redisLogs.target = logger
	redisLogs.mu.Unlock()
	return func() {
		redisLogs.mu.Lock()
		defer redisLogs.mu.Unlock()
		if redisLogs.target == logger {
			redisLogs.target = prev
		}
	}
}

// processLogger is the logger of a run of Main before (and whatever) the
// command loads its configuration: CHATQ_LOG_FORMAT and CHATQ_LOG_LEVEL as
// set, their defaults when unset or invalid (the command reports those).
func processLogger(w io.Writer) *slog.Logger {
	return newLogger(Config{LogFormat: os.Getenv(envPrefix + "_LOG_FORMAT"), LogLevel: os.Getenv(envPrefix + "_LOG_LEVEL")}, w)
}

// jsonLogs reports whether the process logs JSON, so that a failing
// command's last line is JSON too.
func jsonLogs() bool { return os.Getenv(envPrefix+"_LOG_FORMAT") == "json" }
