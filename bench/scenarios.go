package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/throttle"
)

// liftedLimits is CHATQ_RATE_LIMITS with every family far above what the
// machine can do: the throttle runs (and costs what it costs) but never
// holds a call back.
func liftedLimits() string {
	parts := make([]string, len(throttle.Families))
	for i, f := range throttle.Families {
		parts[i] = string(f) + ":1000000"
	}
	return "CHATQ_RATE_LIMITS=" + strings.Join(parts, ",")
}

// overhead: `chatq worker` with its default configuration (dedicated family
// queues, throttle on, limits lifted) against the baseline process on one
// queue; and the weighted layout, and the throttle off.
func overhead(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(20000, 300)
	base := fleetSpec{workers: 1, concurrency: 20, tasks: n}
	variants := []struct {
		key  string
		spec fleetSpec
	}{
		{"baseline", withName(base, "overhead/baseline, one queue", true)},
		{"chatq", withEnv(withName(base, "overhead/chatq, default", false), liftedLimits())},
		{"weighted", withEnv(withName(base, "overhead/chatq, weighted", false), liftedLimits(), "CHATQ_QUEUE_MODE=weighted")},
		{"nothrottle", withEnv(withName(base, "overhead/chatq, throttle off", false), "CHATQ_THROTTLE=false")},
	}
	// Runs of a few seconds are noisy on a shared machine: the variants
	// take turns, and each keeps its median round.
	rounds := map[string][]fleetResult{}
	for range b.size(3, 1) {
		for _, v := range variants {
			res, err := b.runFleet(ctx, v.spec)
			if err != nil {
				return nil, err
			}
			rounds[v.key] = append(rounds[v.key], res)
		}
	}
	med := map[string]fleetResult{}
	for k, rs := range rounds {
		med[k] = median(rs)
	}
	bl := med["baseline"].rate()
	ratio := func(k string) float64 { return med[k].rate() / bl }
	return []Row{
		{Scenario: "overhead", Metric: "tasks/s, default config (baseline: bare asynq on one queue, own http.Client)",
			Chatq: med["chatq"].rate(), Baseline: ptr(bl), Unit: "tasks/s"},
		{Scenario: "overhead", Metric: "chatq ÷ baseline, default config", Chatq: ratio("chatq"), Unit: "ratio", Target: ">= 0.90"},
		{Scenario: "overhead", Metric: "chatq ÷ baseline, CHATQ_QUEUE_MODE=weighted", Chatq: ratio("weighted"), Unit: "ratio"},
		{Scenario: "overhead", Metric: "chatq ÷ baseline, CHATQ_THROTTLE=false", Chatq: ratio("nothrottle"), Unit: "ratio"},
		{Scenario: "overhead", Metric: "new connections per 1,000 calls (HTTP)", Chatq: med["chatq"].per1000(med["chatq"].conns),
			Baseline: ptr(med["baseline"].per1000(med["baseline"].conns)), Unit: "conns"},
	}, nil
}

func withName(s fleetSpec, name string, baseline bool) fleetSpec {
	s.name, s.baseline = name, baseline
	return s
}

func withEnv(s fleetSpec, env ...string) fleetSpec {
	s.env = append(slices.Clone(s.env), env...)
	return s
}

// median is the run with the median delivery rate.
func median(rs []fleetResult) fleetResult {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b fleetResult) int {
		switch {
		case a.rate() < b.rate():
			return -1
		case a.rate() > b.rate():
			return 1
		}
		return 0
	})
	return rs[len(rs)/2]
}

// connections: the same work over HTTPS, where each new connection is a
// TCP and a TLS handshake; HTTP/1.1 only (a pool of one connection per
// call in flight) and with HTTP/2 offered (one connection for all).
func connections(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(10000, 200)
	var rows []Row
	for _, wire := range []string{wireTLS1, wireTLS2} {
		base := fleetSpec{workers: 1, concurrency: 20, tasks: n, wire: wire}
		c, err := b.runFleet(ctx, withEnv(withName(base, "connections/chatq, "+wire, false), liftedLimits()))
		if err != nil {
			return nil, err
		}
		bl, err := b.runFleet(ctx, withName(base, "connections/baseline, "+wire, true))
		if err != nil {
			return nil, err
		}
		label := map[string]string{wireTLS1: "HTTPS, HTTP/1.1", wireTLS2: "HTTPS, HTTP/2 offered"}[wire]
		rows = append(rows,
			Row{Scenario: "connections", Metric: fmt.Sprintf("TLS handshakes per 1,000 calls (%s)", label),
				Chatq: c.per1000(c.handshakes), Baseline: ptr(bl.per1000(bl.handshakes)), Unit: "handshakes", Target: "0"},
			Row{Scenario: "connections", Metric: fmt.Sprintf("connections in the whole run (%s, %d tasks)", label, n),
				Chatq: float64(c.conns), Baseline: ptr(float64(bl.conns)), Unit: "conns", Target: "<= one per slot"},
			Row{Scenario: "connections", Metric: fmt.Sprintf("new connections after the first %d calls (%s)", warmUp, label),
				Chatq: float64(c.connsWarm), Baseline: ptr(float64(bl.connsWarm)), Unit: "conns", Target: "0"},
			Row{Scenario: "connections", Metric: fmt.Sprintf("tasks/s (%s)", label),
				Chatq: c.rate(), Baseline: ptr(bl.rate()), Unit: "tasks/s"},
		)
	}
	return rows, nil
}

// limitSpec is the shape of the at-limit scenarios: two worker processes
// × 20, a backlog, the sandbox enforcing a strict token bucket of enforced
// calls/s and burst. A run that delivers at the limit takes seconds; one
// that does not (the baseline, retrying 429s) is cut off at three times
// that and measured on what it did.
func (b *bencher) limitSpec(enforced float64, burst, seconds int) fleetSpec {
	n := b.size(int(enforced)*seconds, int(enforced)*2)
	return fleetSpec{sandbox: sandbox.Config{RateLimit: enforced, RateBurst: burst}, workers: 2, concurrency: 20, tasks: n,
		timeout: 3 * time.Duration(seconds) * time.Second}
}

// limitChatq runs chatq on spec, configured for configured/s and with env.
func (b *bencher) limitChatq(ctx context.Context, spec fleetSpec, name string, configured float64, env ...string) (fleetResult, error) {
	env = append(env, fmt.Sprintf("CHATQ_RATE_LIMITS=%s:%g", throttle.MessagesUsers, configured))
	return b.runFleet(ctx, withEnv(withName(spec, name+"/chatq", false), env...))
}

// limitRun runs chatq, then the baseline, on the same limit.
func (b *bencher) limitRun(ctx context.Context, name string, enforced float64, burst int, configured float64, seconds int) (chatq, baseline fleetResult, err error) {
	spec := b.limitSpec(enforced, burst, seconds)
	if chatq, err = b.limitChatq(ctx, spec, name, configured); err != nil {
		return
	}
	baseline, err = b.runFleet(ctx, withName(spec, name+"/baseline", true))
	return
}

// steady is the delivery rate after the first second (the provider's
// bucket starts full, which would flatter whoever bursts) until the end.
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

func limitRows(scenario, bucket string, enforced float64, c, base fleetResult, rateTarget, t429 string) []Row {
	return []Row{
		{Scenario: scenario, Metric: fmt.Sprintf("delivered/s ÷ limit (%s)", bucket), Chatq: steady(c) / enforced,
			Baseline: ptr(steady(base) / enforced), Unit: "ratio", Target: rateTarget},
		{Scenario: scenario, Metric: fmt.Sprintf("calls answered 429 (%s)", bucket), Chatq: 100 * share429(c), Baseline: ptr(100 * share429(base)),
			Unit: "%", Target: t429},
		{Scenario: scenario, Metric: fmt.Sprintf("provider calls per delivered task (%s)", bucket), Chatq: callsPer(c), Baseline: ptr(callsPer(base)), Unit: "calls"},
	}
}

func callsPer(f fleetResult) float64 {
	return float64(f.stats.Calls[sandbox.EndpointSendMessage]) / max(float64(f.delivered), 1)
}

// atLimit: a strict bucket of 100/s with burst 10, then with burst 1;
// at burst 1 chatq runs again with CHATQ_RATE_BURST=1, as the README
// advises for a provider whose bucket holds one call (the baseline, which
// has no such setting, is not run twice).
func atLimit(ctx context.Context, b *bencher) ([]Row, error) {
	var rows []Row
	for _, tc := range []struct {
		burst  int
		target string
		t429   string
	}{{10, ">= 0.97", "<= 1"}, {1, ">= 0.95", ""}} {
		name := fmt.Sprintf("at-limit, burst %d", tc.burst)
		c, base, err := b.limitRun(ctx, name, 100, tc.burst, 100, 40)
		if err != nil {
			return nil, err
		}
		rows = append(rows, limitRows("at-limit", fmt.Sprintf("100/s, burst %d", tc.burst), 100, c, base, tc.target, tc.t429)...)
		if tc.burst != 1 {
			continue
		}
		one, err := b.limitChatq(ctx, b.limitSpec(100, 1, 40), name+", CHATQ_RATE_BURST=1", 100, "CHATQ_RATE_BURST=1")
		if err != nil {
			return nil, err
		}
		rows = append(rows, limitRows("at-limit", "100/s, burst 1; CHATQ_RATE_BURST=1", 100, one, base, tc.target, tc.t429)...)
	}
	return rows, nil
}

// unknownLimit: chatq configured for 100/s, the provider enforcing 60/s
// (burst 10).
func unknownLimit(ctx context.Context, b *bencher) ([]Row, error) {
	c, base, err := b.limitRun(ctx, "unknown-limit", 60, 10, 100, 40)
	if err != nil {
		return nil, err
	}
	return limitRows("unknown-limit", "60/s, burst 10; chatq set to 100/s", 60, c, base, ">= 0.90", "<= 3"), nil
}

// tokenExpiry: two processes × 50; every token expires once half the
// backlog is delivered; token requests after that moment.
func tokenExpiry(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(4000, 400)
	var after [2]int
	for i, baseline := range []bool{false, true} {
		spec := fleetSpec{name: "token-expiry/chatq (fleet-shared token)", workers: 2, concurrency: 50, tasks: n,
			env: []string{liftedLimits()}, baseline: baseline}
		if baseline {
			spec.name = "token-expiry/baseline (per-process token)"
		}
		before := -1
		spec.during = func(ctx context.Context, r *fleetRun) {
			for r.p.sb.Stats().Delivered < n/2 {
				if sleepCtx(ctx, pollEvery) != nil {
					return
				}
			}
			before = r.p.sb.Stats().TokenRequests
			r.p.sb.ExpireTokens()
		}
		res, err := b.runFleet(ctx, spec)
		if err != nil {
			return nil, err
		}
		if before >= 0 {
			after[i] = res.stats.TokenRequests - before
		}
	}
	return []Row{{Scenario: "token-expiry", Metric: "token requests after the expiry (2 processes × 50)",
		Chatq: float64(after[0]), Baseline: ptr(float64(after[1])), Unit: "requests", Target: "1"}}, nil
}
