package bench

import (
	"context"
	"time"

	"github.com/chatq/chatq/sandbox"
)

// outage: the sandbox answers 503 to every send for Options.Outage, with a
// backlog queued with a retry budget of 2, then recovers. An outage is not
// the tasks' failure: chatq must dead-letter none of them.
func outage(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(2000, 100)
	down := b.opts.Outage
	var res [2]fleetResult
	for i, baseline := range []bool{false, true} {
		spec := fleetSpec{name: "outage/chatq", workers: 2, concurrency: 20, tasks: n, maxRetry: 2, baseline: baseline,
			timeout: down + 15*time.Minute, during: outageFault(down)}
		if baseline {
			spec.name = "outage/baseline"
		} else if b.opts.Smoke {
			// chatq's run is judged (nothing lost or dead-lettered): a task
			// still in flight at the smoke bound is not lost.
			spec.mustFinish, spec.timeout = true, time.Minute
		}
		r, err := b.runFleet(ctx, spec)
		if err != nil {
			return nil, err
		}
		res[i] = r
	}
	row := func(metric string, f func(fleetResult) float64, unit, target string) Row {
		return Row{Scenario: "outage", Metric: metric, Chatq: f(res[0]), Baseline: ptr(f(res[1])), Unit: unit, Target: target}
	}
	return []Row{
		row("dead-lettered (retry budget 2)", func(r fleetResult) float64 { return float64(r.deadLettered) }, "tasks", "0"),
		row("lost", func(r fleetResult) float64 { return float64(r.lost(n)) }, "tasks", "0"),
		row("calls/s during the outage (one family)", func(r fleetResult) float64 { return callsDuring(r) }, "calls/s", "<= 1"),
		row("time to drain after recovery", func(r fleetResult) float64 { return drain(r).Seconds() }, "s", ""),
	}, nil
}

func outageFault(down time.Duration) func(context.Context, *fleetRun) {
	return func(ctx context.Context, r *fleetRun) {
		id := r.p.sb.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointSendMessage, Status: 503})
		r.mark("down")
		_ = sleepCtx(ctx, down)
		r.p.sb.RemoveFault(id)
		r.mark("up")
	}
}

// callsDuring is the send rate while the fault was on, after the first
// second (in which the breaker opens).
func callsDuring(r fleetResult) float64 {
	d, u := r.marks["down"], r.marks["up"]
	if d.IsZero() || u.IsZero() {
		return 0
	}
	from, to := d.Sub(r.start)+time.Second, u.Sub(r.start)
	first, last := -1, 0
	var t0, t1 time.Duration
	for _, s := range r.samples {
		if s.at >= from && first < 0 {
			first, t0 = s.calls, s.at
		}
		if s.at <= to {
			last, t1 = s.calls, s.at
		}
	}
	if first < 0 || t1 <= t0 {
		return 0
	}
	return float64(last-first) / (t1 - t0).Seconds()
}

func drain(r fleetResult) time.Duration {
	u := r.marks["up"]
	if u.IsZero() {
		return 0
	}
	return r.elapsed - u.Sub(r.start)
}
