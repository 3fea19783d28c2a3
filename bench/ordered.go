package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// ordered (issue #13): 500 keys × 20 messages, the sandbox failing 20 % of
// calls with 503 and 5 % with 429, two worker processes × 20, one killed
// with SIGKILL a third of the way through and started again. Ordered and
// unordered runs take turns on the same settings; the sandbox's record of
// the messages it accepted is the oracle of the order. Then one key alone,
// at a 20 ms provider latency: per-message latency and Redis commands per
// delivered task, at the default poll interval and at 50 ms.
func ordered(ctx context.Context, b *bencher) ([]Row, error) {
	keys, per := b.size(500, 20), b.size(20, 5)
	var rows []Row
	res := map[bool]orderedResult{}
	for _, isOrdered := range []bool{true, false} {
		r, err := b.orderedRun(ctx, keys, per, isOrdered)
		if err != nil {
			return nil, err
		}
		res[isOrdered] = r
	}
	o, u := res[true], res[false]
	label := fmt.Sprintf("%d keys × %d, 20 %% 503 + 5 %% 429, 2 × 20 slots, one worker kill -9", keys, per)
	if b.opts.Smoke {
		label = fmt.Sprintf("%d keys × %d, 20 %% 503 + 5 %% 429, 2 × 20 slots, smoke: no kill", keys, per)
	}
	rows = append(rows,
		Row{Scenario: "ordered", Metric: "inversions, by the sandbox's acceptance order (" + label + ")",
			Chatq: float64(o.inversions), Baseline: ptr(float64(u.inversions)), Unit: "messages", Target: "0",
			Note: "baseline: the same run unordered"},
		Row{Scenario: "ordered", Metric: "lost (neither accepted nor dead-lettered)", Chatq: float64(o.lost),
			Baseline: ptr(float64(u.lost)), Unit: "messages", Target: "0"},
		Row{Scenario: "ordered", Metric: "accepted twice (at least once: calls in flight at the kill)", Chatq: float64(o.twice),
			Baseline: ptr(float64(u.twice)), Unit: "messages"},
		Row{Scenario: "ordered", Metric: "delivered/s before the kill", Chatq: o.rate, Baseline: ptr(u.rate), Unit: "tasks/s"},
		Row{Scenario: "ordered", Metric: "ordered ÷ unordered throughput (active keys ≥ slots)", Chatq: o.rate / max(u.rate, 1e-9),
			Unit: "ratio", Target: ">= 0.85"},
		Row{Scenario: "ordered", Metric: "time to deliver everything (includes asynq's ~1 min lease recovery after the kill)",
			Chatq: o.elapsed.Seconds(), Baseline: ptr(u.elapsed.Seconds()), Unit: "s"},
	)
	alone, err := b.oneKey(ctx)
	if err != nil {
		return nil, err
	}
	return append(rows, alone...), nil
}

type orderedResult struct {
	inversions, lost, twice int
	rate                    float64
	elapsed                 time.Duration
}

func (b *bencher) orderedRun(ctx context.Context, keys, per int, isOrdered bool) (orderedResult, error) {
	name := "ordered/chatq, ordered"
	if !isOrdered {
		name = "ordered/chatq, unordered"
	}
	n := keys * per
	spec := fleetSpec{name: name, workers: 2, concurrency: 20, tasks: n, keepMessages: true,
		env: []string{liftedLimits()},
		faults: []sandbox.Fault{
			{Endpoint: sandbox.EndpointSendMessage, Probability: 0.20, Status: 503},
			// 5 % of all calls: the 80 % the 503 fault let through, × 0.0625.
			{Endpoint: sandbox.EndpointSendMessage, Probability: 0.0625, Status: 429, Code: "reach_limit"},
		},
		produce: func(ctx context.Context, c *tasks.Client) error {
			return produceConversations(ctx, c, keys, per, isOrdered)
		},
	}
	var killedAt time.Duration
	if b.opts.Smoke {
		// asynq recovers a killed worker's tasks a minute later, and the
		// default backoff waits seconds: too long for the smoke test,
		// which only keeps the scenario working.
		spec.env = append(spec.env, "CHATQ_RETRY_BASE_DELAY=10ms", "CHATQ_RETRY_MAX_DELAY=50ms")
		spec.mustFinish, spec.timeout = true, time.Minute
		res, err := b.runFleet(ctx, spec)
		out := orderedResult{elapsed: res.elapsed, rate: res.rate()}
		out.inversions, out.twice, out.lost = judgeOrder(res.messages, keys, per, res.deadLettered)
		return out, err
	}
	spec.during = func(ctx context.Context, r *fleetRun) {
		for r.p.sb.Stats().Delivered < n/3 {
			if sleepCtx(ctx, pollEvery) != nil {
				return
			}
		}
		killedAt = time.Since(r.start)
		if err := r.kill9(0); err != nil {
			b.progress("  %s: restart after kill -9: %v", name, err)
		}
	}
	res, err := b.runFleet(ctx, spec)
	if err != nil {
		return orderedResult{}, err
	}
	out := orderedResult{elapsed: res.elapsed, rate: res.rateBetween(time.Second, killedAt)}
	out.inversions, out.twice, out.lost = judgeOrder(res.messages, keys, per, res.deadLettered)
	return out, nil
}

// produceConversations enqueues per messages for each of keys senders to
// bob, message i of sender k with the text "k<k>#<i>". Eight producers
// share the keys, each key's messages enqueued by one of them in turn, so
// a key's enqueue order is its numbering.
func produceConversations(ctx context.Context, c *tasks.Client, keys, per int, isOrdered bool) error {
	var opts []tasks.Option
	if isOrdered {
		opts = append(opts, tasks.Ordered())
	}
	g, gctx := errgroup.WithContext(ctx)
	const producers = 8
	for p := range producers {
		g.Go(func() error {
			for i := 1; i <= per; i++ {
				for k := p; k < keys; k += producers {
					body, _ := json.Marshal(map[string]string{"msg": "k" + strconv.Itoa(k) + "#" + strconv.Itoa(i)})
					_, err := c.SendMessage(gctx, tasks.SendMessage{Target: "users", From: "k" + strconv.Itoa(k),
						To: []string{"bob"}, Type: "txt", Body: body}, opts...)
					if err != nil {
						return fmt.Errorf("enqueue: %w", err)
					}
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// judgeOrder reads the sandbox's acceptance order: a message accepted
// after a later one of its key is an inversion (a message sent twice in a
// row is not); lost is what was neither accepted nor dead-lettered.
func judgeOrder(msgs []sandbox.Message, keys, per, dead int) (inversions, twice, lost int) {
	highest := map[string]int{}
	seen := map[string]bool{}
	for _, m := range msgs {
		var body struct{ Msg string }
		if json.Unmarshal(m.Body, &body) != nil {
			continue
		}
		key, seq, ok := strings.Cut(body.Msg, "#")
		i, err := strconv.Atoi(seq)
		if !ok || err != nil {
			continue
		}
		if seen[body.Msg] {
			twice++
		}
		seen[body.Msg] = true
		if i < highest[key] {
			inversions++
		}
		highest[key] = max(highest[key], i)
	}
	return inversions, twice, max(keys*per-len(seen)-dead, 0)
}

// distinct counts the distinct message bodies.
func distinct(msgs []sandbox.Message) int {
	seen := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		seen[string(m.Body)] = true
	}
	return len(seen)
}

// oneKey: one key alone, its messages at a 20 ms provider latency; the
// per-message latency and the Redis commands per delivered task, ordered
// and not (the unordered run's messages go out 20 at a time), at the
// default CHATQ_POLL_INTERVAL (1s) and at 50ms.
func (b *bencher) oneKey(ctx context.Context) ([]Row, error) {
	n := b.size(100, 10)
	const latency = 20 * time.Millisecond
	var rows []Row
	for _, poll := range []string{"1s", "50ms"} {
		got := map[bool][2]float64{}
		for _, isOrdered := range []bool{true, false} {
			spec := fleetSpec{name: fmt.Sprintf("ordered/one key, poll %s, ordered %v", poll, isOrdered), workers: 1, concurrency: 20,
				tasks: n, keepMessages: true, env: []string{liftedLimits(), "CHATQ_POLL_INTERVAL=" + poll},
				faults: []sandbox.Fault{{Endpoint: sandbox.EndpointSendMessage, Delay: sandbox.Duration(latency)}},
				produce: func(ctx context.Context, c *tasks.Client) error {
					return produceConversations(ctx, c, 1, n, isOrdered)
				}}
			before, err := b.redisCommands(ctx)
			if err != nil {
				return nil, err
			}
			res, err := b.runFleet(ctx, spec)
			if err != nil {
				return nil, err
			}
			after, err := b.redisCommands(ctx)
			if err != nil {
				return nil, err
			}
			got[isOrdered] = [2]float64{float64(res.sendWindow.Milliseconds()) / float64(n),
				float64(after-before) / float64(max(res.delivered, 1))}
		}
		rows = append(rows,
			Row{Scenario: "ordered", Metric: fmt.Sprintf("one key alone: ms per message, provider latency 20 ms, CHATQ_POLL_INTERVAL=%s", poll),
				Chatq: got[true][0], Baseline: ptr(got[false][0]), Unit: "ms", Note: "baseline: the same messages unordered, 20 at a time"},
			Row{Scenario: "ordered", Metric: fmt.Sprintf("one key alone: Redis commands per delivered task, CHATQ_POLL_INTERVAL=%s", poll),
				Chatq: got[true][1], Baseline: ptr(got[false][1]), Unit: "commands",
				Note: "INFO commandstats delta over enqueue and delivery, the bench's own reads excluded; includes asynq's idle polling"},
		)
	}
	return rows, nil
}

// redisCommands sums INFO commandstats' calls, less the commands the bench
// itself sends while it watches (ZCARD, INFO, FLUSHDB).
func (b *bencher) redisCommands(ctx context.Context) (int64, error) {
	info, err := b.env.RDB.Info(ctx, "commandstats").Result()
	if err != nil {
		return 0, fmt.Errorf("redis commandstats: %w", err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		switch strings.TrimPrefix(name, "cmdstat_") {
		case "zcard", "info", "flushdb":
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		n, _ := strconv.ParseInt(calls, 10, 64)
		total += n
	}
	return total, nil
}
