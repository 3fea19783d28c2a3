package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/throttle"
)

// unlimited lifts chatq's limits far above what the machine can do, so
// the overhead scenario measures the throttle's cost, not its limit.
func unlimited() *throttle.Config {
	limits := map[throttle.Family]float64{}
	for _, f := range throttle.Families {
		limits[f] = 1e6
	}
	return &throttle.Config{Limits: limits}
}

// overhead: chatq against a bare asynq handler, same Redis, concurrency and
// queues; and three weighted queues against one.
func overhead(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(20000, 300)
	base := fleetSpec{workers: 1, concurrency: 20, tasks: n}
	runs := map[string]fleetSpec{}
	bare1, bare3, chatq, dedicated := base, base, base, base
	bare1.name, bare1.bare, bare1.queues = "overhead/bare, one queue", true, singleQueue()
	bare3.name, bare3.bare = "overhead/bare, three queues", true
	chatq.name, chatq.throttle = "overhead/chatq", unlimited()
	dedicated.name, dedicated.throttle, dedicated.queueMode = "overhead/chatq, dedicated queue mode", unlimited(), dispatcher.QueueModeDedicated
	runs["bare1"], runs["bare3"], runs["chatq"], runs["dedicated"] = bare1, bare3, chatq, dedicated
	// Runs of a few seconds are noisy on a shared machine: the variants
	// take turns, three rounds, and each keeps its median rate.
	samples := map[string][]float64{}
	for range b.size(3, 1) {
		for _, k := range []string{"bare1", "bare3", "chatq", "dedicated"} {
			res, err := b.runFleet(ctx, runs[k])
			if err != nil {
				return nil, err
			}
			samples[k] = append(samples[k], float64(res.delivered)/res.elapsed.Seconds())
		}
	}
	rate := map[string]float64{}
	for k, v := range samples {
		slices.Sort(v)
		rate[k] = v[len(v)/2]
	}
	return []Row{
		{Scenario: "overhead", Metric: "tasks/s (baseline: bare asynq, same three queues)", Chatq: rate["chatq"],
			Baseline: ptr(rate["bare3"]), Unit: "tasks/s"},
		{Scenario: "overhead", Metric: "chatq ÷ baseline", Chatq: rate["chatq"] / rate["bare3"], Unit: "ratio", Target: ">= 0.90"},
		{Scenario: "overhead", Metric: "queue layout: three weighted queues ÷ one queue (bare)", Chatq: rate["bare3"] / rate["bare1"],
			Baseline: ptr(rate["bare1"]), Unit: "ratio", Note: fmt.Sprintf("one queue: %.0f tasks/s", rate["bare1"])},
		{Scenario: "overhead", Metric: "queue layout, CHATQ_QUEUE_MODE=dedicated: chatq ÷ bare one queue", Chatq: rate["dedicated"] / rate["bare1"],
			Baseline: ptr(rate["bare1"]), Unit: "ratio", Note: fmt.Sprintf("chatq dedicated: %.0f tasks/s", rate["dedicated"])},
	}, nil
}

// limitRun is the shape of scenarios 2 and 3: two workers, a backlog, the
// sandbox enforcing enforced calls/s; chatq configured for configured/s.
func (b *bencher) limitRun(ctx context.Context, name string, enforced, configured float64, seconds int) (chatq, baseline fleetResult, n int, err error) {
	n = b.size(int(enforced)*seconds, int(enforced)*2)
	spec := fleetSpec{sandbox: sandbox.Config{RateLimit: enforced}, workers: 2, concurrency: 20, tasks: n}
	with, without := spec, spec
	with.name = name + "/chatq"
	with.throttle = &throttle.Config{Limits: map[throttle.Family]float64{throttle.MessagesUsers: configured}}
	without.name = name + "/baseline (no throttle)"
	if chatq, err = b.runFleet(ctx, with); err != nil {
		return
	}
	baseline, err = b.runFleet(ctx, without)
	return
}

// steady is the delivery rate after the first second (the sandbox's bucket
// starts full, which would flatter whoever bursts) until the end.
func steady(f fleetResult) float64 {
	return f.rateBetween(time.Second, f.elapsed)
}

func share429(f fleetResult) float64 {
	calls := f.stats.Calls[sandbox.EndpointSendMessage]
	if calls == 0 {
		return 0
	}
	return float64(f.stats.Responses["429 reach_limit"]) / float64(calls)
}

func limitRows(scenario string, enforced float64, c, base fleetResult, rateTarget, t429 string) []Row {
	return []Row{
		{Scenario: scenario, Metric: fmt.Sprintf("delivered/s ÷ enforced limit (%g/s)", enforced), Chatq: steady(c) / enforced,
			Baseline: ptr(steady(base) / enforced), Unit: "ratio", Target: rateTarget},
		{Scenario: scenario, Metric: "calls answered 429", Chatq: 100 * share429(c), Baseline: ptr(100 * share429(base)),
			Unit: "%", Target: t429},
		{Scenario: scenario, Metric: "provider calls per delivered task", Chatq: callsPer(c), Baseline: ptr(callsPer(base)), Unit: "calls"},
	}
}

func callsPer(f fleetResult) float64 {
	return float64(f.stats.Calls[sandbox.EndpointSendMessage]) / max(float64(f.delivered), 1)
}

func atLimit(ctx context.Context, b *bencher) ([]Row, error) {
	c, base, _, err := b.limitRun(ctx, "at-limit", 100, 100, 40)
	if err != nil {
		return nil, err
	}
	return limitRows("at-limit", 100, c, base, ">= 0.97", "<= 1"), nil
}

func unknownLimit(ctx context.Context, b *bencher) ([]Row, error) {
	c, base, _, err := b.limitRun(ctx, "unknown-limit", 60, 100, 40)
	if err != nil {
		return nil, err
	}
	return limitRows("unknown-limit", 60, c, base, ">= 0.90", "<= 3"), nil
}

// tokenExpiry: two workers × 50; every token expires once half the backlog
// is delivered; token requests after that moment.
func tokenExpiry(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(4000, 400)
	var after [2]int
	for i, local := range []bool{false, true} {
		spec := fleetSpec{name: "token-expiry/chatq (shared token)", workers: 2, concurrency: 50, tasks: n,
			throttle: unlimited(), localTokens: local}
		if local {
			spec.name = "token-expiry/baseline (per-process cache)"
		}
		var before int
		spec.during = func(ctx context.Context, r *fleetRun) {
			for r.sb.Stats().Delivered < n/2 {
				if sleepCtx(ctx, pollEvery) != nil {
					return
				}
			}
			before = r.sb.Stats().TokenRequests
			r.sb.ExpireTokens()
		}
		res, err := b.runFleet(ctx, spec)
		if err != nil {
			return nil, err
		}
		after[i] = res.stats.TokenRequests - before
	}
	return []Row{{Scenario: "token-expiry", Metric: "token requests after the expiry (2 processes × 50)",
		Chatq: float64(after[0]), Baseline: ptr(float64(after[1])), Unit: "requests", Target: "1"}}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
