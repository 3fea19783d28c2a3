package main_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chaosScenario is one fault struck mid-run, and how many messages it may
// have delivered twice (the bound README "Guarantees" documents).
type chaosScenario struct {
	name  string
	fault func(c *chaos)
	bound func() int
	// absorbs: with delivered markers, some re-run must end by its marker
	// (the fault makes asynq lose completions).
	absorbs bool
}

var chaosScenarios = []chaosScenario{
	// A worker killed with SIGKILL, another started as a supervisor would.
	// A task whose call the provider accepted but whose completion had not
	// reached Redis runs again: at most one per task in flight.
	{name: "worker-kill-9", bound: func() int { return *chaosConcurrency }, fault: func(c *chaos) {
		c.workers[0].kill9(c.t)
		c.startWorker()
	}},
	// Redis killed with SIGKILL and, once a call in flight has come back
	// (its completion fails), kept down 2 s, past go-redis's own retries
	// (< 1 s); then started again on its AOF. asynq loses those
	// completions and runs the tasks again after its recoverer finds them;
	// their delivered markers end those runs without a call.
	{name: "redis-kill-9-aof", bound: redisFaultBound, absorbs: true, fault: func(c *chaos) {
		before := c.delivered()
		c.redis.Kill()
		c.waitDelivered(before + 1)
		time.Sleep(2 * time.Second) // the outage's length
		c.redis.Restart()
	}},
	// Redis frozen with SIGSTOP for 12 s, then resumed with SIGCONT.
	// go-redis gives up on a command after about 10 s (a 3 s read timeout,
	// three retries), so completions fail; the commands already sent run
	// late when Redis resumes. 12 s stays within asynq's 30 s lease.
	{name: "redis-sigstop", bound: redisFaultBound, fault: func(c *chaos) {
		before := c.delivered()
		c.redis.Stop()
		c.waitDelivered(before + 1)
		time.Sleep(12 * time.Second) // the freeze's length
		c.redis.Cont()
	}},
}

// redisFaultBound is the documented bound for a Redis fault shorter than
// asynq's 30 s lease: no message twice with delivered markers; without
// them, up to one per task in flight.
func redisFaultBound() int {
	if markersOn() {
		return 0
	}
	return *chaosConcurrency
}

// TestChaos is the chaos suite (README "Guarantees"): for each scenario,
// real chatq worker processes on a private Redis with AOF (appendfsync
// always) deliver messages to the sandbox, and a fault strikes a third of
// the way through. Then every scenario must lose nothing (each message
// delivered or dead-lettered, from the sandbox's record of delivered
// messages and the dead-letter store) and deliver at most its bound twice.
//
// The faults strike one after another; then the scenarios settle together,
// which takes about a minute (asynq recovers orphaned tasks only when their
// lease expired 30 s ago), so the suite takes about as long as one
// scenario whatever -parallel is.
func TestChaos(t *testing.T) {
	t.Parallel()
	runs := make([]*chaos, len(chaosScenarios))
	for i, sc := range chaosScenarios {
		c := newChaos(t, sc.name)
		c.enqueue()
		c.startWorker()
		c.waitDelivered(*chaosMessages / 3)
		sc.fault(c)
		runs[i] = c
	}
	settleAll(t, runs)
	for i, sc := range chaosScenarios {
		t.Run(sc.name, func(t *testing.T) {
			res := runs[i].check(t, sc.bound())
			if sc.absorbs && markersOn() {
				require.Positive(t, res.absorbed, "a re-run ended by its delivered marker")
			}
		})
	}
}
