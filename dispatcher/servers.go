package dispatcher

import (
	"fmt"
	"slices"
	"sync"

	"github.com/hibiken/asynq"
)

// Queue modes: how the worker's asynq servers take tasks from the family
// queues.
const (
	// QueueModeWeighted is one asynq server over every queue, picking a
	// queue per dequeue by weight. Idle slots serve any family, but asynq
	// pays a Redis round trip for each empty queue it tries before a full
	// one (measured: three queues ≈ 0.8× one queue with one family busy).
	QueueModeWeighted = "weighted"
	// QueueModeDedicated is one asynq server per queue, each with the full
	// Concurrency: a dequeue never tries an empty queue of another family,
	// so the layout costs nothing per task; weights are unused and a
	// process may run up to Concurrency tasks per family at once.
	QueueModeDedicated = "dedicated"
)

// servers is the set of asynq servers a worker runs.
type servers []*asynq.Server

// newServers builds the servers of the configured queue mode.
func (w *Worker) newServers(redis asynq.RedisConnOpt) (servers, error) {
	switch w.cfg.QueueMode {
	case QueueModeWeighted:
		return servers{asynq.NewServer(redis, w.asynqConfig(w.cfg.Queues))}, nil
	case QueueModeDedicated:
		names := make([]string, 0, len(w.cfg.Queues))
		for q := range w.cfg.Queues {
			names = append(names, q)
		}
		slices.Sort(names)
		out := make(servers, 0, len(names))
		for _, q := range names {
			out = append(out, asynq.NewServer(redis, w.asynqConfig(map[string]int{q: 1})))
		}
		return out, nil
	}
	return nil, fmt.Errorf("field QueueMode: must be %q or %q, got %q", QueueModeWeighted, QueueModeDedicated, w.cfg.QueueMode)
}

// start starts every server; if one fails, those already started stop.
func (s servers) start(h asynq.Handler) error {
	for i, srv := range s {
		if err := srv.Start(h); err != nil {
			s[:i].shutdown()
			return err
		}
	}
	return nil
}

// shutdown stops the servers at once, so each gets the whole
// ShutdownTimeout for its in-flight tasks.
func (s servers) shutdown() {
	var wg sync.WaitGroup
	for _, srv := range s {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv.Shutdown()
		}()
	}
	wg.Wait()
}
