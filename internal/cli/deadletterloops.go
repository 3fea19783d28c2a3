package cli

import (
	"log/slog"
	"sync"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/deadletter"
)

// startDeadLetterLoops starts the worker's dead-letter resolver and
// reconciler and returns the function that stops them; call it after the
// worker has stopped, so the resolver checks the last tasks too.
func startDeadLetterLoops(c Config, logger *slog.Logger, conn asynq.RedisConnOpt, w *wiredWorker) func() {
	insp := asynq.NewInspector(conn)
	rec := deadletter.NewReconciler(deadletter.ReconcilerParams{
		Store: w.dead, Inspector: insp, Interval: c.DeadLetterReconcileEvery,
		Retention: c.DeadLetterRetention, MaxPayloadBytes: c.MaxPayloadBytes, Logger: logger,
	})
	var wg sync.WaitGroup
	w.resolver.Start(&wg)
	rec.Start(&wg)
	return func() {
		rec.Shutdown()
		w.resolver.Shutdown()
		wg.Wait()
		_ = insp.Close()
	}
}
