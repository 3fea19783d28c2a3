// Package queuedepth reads how deep chatq's queues are: the default queue of
// every task type (tasks.Queues), listed even before its first task, and any
// other queue asynq knows. `chatq status` and the console read it the same
// way, so they show the same rows.
package queuedepth

import (
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/tasks"
)

// Depth is one queue's task counts by state.
type Depth struct {
	Queue                                       string
	Pending, Active, Scheduled, Retry, Archived int
	Paused                                      bool
	// Latency is the age of the oldest pending task.
	Latency time.Duration
}

// Read returns the depth of each queue, sorted by name. A queue asynq has
// never seen is reported empty: asynq answers "not found" for it.
func Read(insp *asynq.Inspector) ([]Depth, error) {
	known, err := insp.Queues()
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	names := append(tasks.Queues(), known...)
	slices.Sort(names)
	names = slices.Compact(names)
	out := make([]Depth, 0, len(names))
	for _, q := range names {
		d := Depth{Queue: q}
		if slices.Contains(known, q) {
			info, err := insp.GetQueueInfo(q)
			if err != nil {
				return nil, fmt.Errorf("queue %s: %w", q, err)
			}
			d = Depth{Queue: q, Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
				Retry: info.Retry, Archived: info.Archived, Paused: info.Paused,
				Latency: info.Latency.Round(time.Millisecond)}
		}
		out = append(out, d)
	}
	return out, nil
}
