package dispatcher

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/policy"
)

// logDecision writes the one line every failure gets. Only status, code and
// the provider's description appear: never a token or a payload.
func (w *Worker) logDecision(r run, f policy.Failure, d policy.Decision) {
	w.observe(r, f, d.Rule.Name, outcomeOf(d.Action))
	level := slog.LevelInfo
	if d.Action == policy.ActionCredentials {
		level = slog.LevelError
	}
	w.logger.Log(context.Background(), level, "decision",
		slog.String("task_id", r.id), slog.String("type", r.typ), slog.String("queue", r.queue),
		slog.Int("attempt", r.retried+1), slog.Int("status", f.Status), slog.String("code", f.Code),
		slog.Bool("network", f.Network), slog.Bool("token_endpoint", f.Token),
		slog.String("rule", d.Rule.Name), slog.String("action", d.Action.String()),
		slog.Duration("delay", d.Delay), slog.String("reason", d.Reason))
}

// asynqLogger routes asynq's own log lines into slog.
type asynqLogger struct{ l *slog.Logger }

var _ asynq.Logger = asynqLogger{}

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "component", "asynq", "fatal", true)
}

func asynqLevel(l *slog.Logger) asynq.LogLevel {
	if l.Enabled(context.Background(), slog.LevelDebug) {
		return asynq.DebugLevel
	}
	return asynq.WarnLevel
}
