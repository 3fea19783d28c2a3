package bench

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/tasks"
)

// bareWorker is the baseline: an asynq server whose handler makes the same
// HTTP call with the same client and token source, and nothing else (no
// policy, no dead letters, no throttle; a 401 refreshes the token once).
func bareWorker(conn asynq.RedisConnOpt, api *agora.Client, tokens agora.TokenSource, s fleetSpec) func(context.Context) {
	queues := s.queues
	if queues == nil {
		queues = dispatcher.DefaultQueues()
	}
	srv := asynq.NewServer(conn, asynq.Config{Concurrency: s.concurrency, Queues: queues,
		TaskCheckInterval: 50 * time.Millisecond, DelayedTaskCheckInterval: 50 * time.Millisecond,
		ShutdownTimeout: 2 * time.Second, LogLevel: asynq.FatalLevel})
	h := asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		var p tasks.SendMessage
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return err
		}
		for range 2 {
			tok, err := tokens.Token(ctx)
			if err != nil {
				return err
			}
			_, err = api.SendMessage(ctx, tok, p)
			var apiErr *agora.APIError
			if errors.As(err, &apiErr) && apiErr.Status == 401 {
				tokens.Invalidate(tok)
				continue
			}
			return err
		}
		return errors.New("token refused twice")
	})
	return func(ctx context.Context) {
		if err := srv.Start(h); err != nil {
			return
		}
		<-ctx.Done()
		srv.Shutdown()
	}
}
