package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
	"github.com/chatq/chatq/tokenstore"
)

const (
	clientID     = "bench-client"
	clientSecret = "bench-secret"
	pollEvery    = 20 * time.Millisecond
)

// fleetSpec is one run: a sandbox, some workers, a backlog.
type fleetSpec struct {
	name        string
	sandbox     sandbox.Config
	workers     int
	concurrency int
	queues      map[string]int   // nil = chatq's three family queues
	queueMode   string           // chatq's dispatcher.Config.QueueMode; "" = weighted
	throttle    *throttle.Config // nil = no throttle
	bare        bool             // a bare asynq handler instead of chatq
	localTokens bool             // per-process token cache instead of the fleet-shared one
	tasks       int
	during      func(ctx context.Context, r *fleetRun) // runs beside the workers
	timeout     time.Duration
}

// fleetRun is a run in progress.
type fleetRun struct {
	sb    *sandbox.Server
	start time.Time
	mu    sync.Mutex
	marks map[string]time.Time
}

func (r *fleetRun) mark(name string) {
	r.mu.Lock()
	r.marks[name] = time.Now()
	r.mu.Unlock()
}

// sample is the sandbox's counters at a moment.
type sample struct {
	at        time.Duration
	delivered int
	calls     int
}

type fleetResult struct {
	elapsed      time.Duration
	delivered    int
	deadLettered int
	stats        sandbox.Stats
	samples      []sample
	marks        map[string]time.Time
	start        time.Time
	timedOut     bool
}

// lost is what is neither delivered nor dead-lettered.
func (f fleetResult) lost(n int) int { return n - f.delivered - f.deadLettered }

func (b *bencher) runFleet(ctx context.Context, s fleetSpec) (fleetResult, error) {
	if err := b.reset(ctx); err != nil {
		return fleetResult{}, fmt.Errorf("flush: %w", err)
	}
	s.sandbox.ClientID, s.sandbox.ClientSecret, s.sandbox.MaxStoredMessages = clientID, clientSecret, 1
	sb := sandbox.New(s.sandbox)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	if err := b.enqueue(ctx, s.tasks); err != nil {
		return fleetResult{}, err
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for range s.workers {
		run, err := b.newWorker(srv.URL, s)
		if err != nil {
			return fleetResult{}, err
		}
		wg.Go(func() { run(wctx) })
	}
	r := &fleetRun{sb: sb, start: time.Now(), marks: map[string]time.Time{}}
	if s.during != nil {
		wg.Go(func() { s.during(wctx, r) })
	}
	res := b.watch(ctx, sb, r, s)
	stop()
	wg.Wait()
	res.stats = sb.Stats()
	b.progress("  %-28s %6d tasks in %8s", s.name, s.tasks, res.elapsed.Round(time.Millisecond))
	if res.timedOut {
		b.progress("  %-28s timed out: %d delivered, %d dead-lettered", s.name, res.delivered, res.deadLettered)
	}
	return res, nil
}

// watch polls until every task is delivered or dead-lettered.
func (b *bencher) watch(ctx context.Context, sb *sandbox.Server, r *fleetRun, s fleetSpec) fleetResult {
	store := deadletter.NewStore(b.env.RDB)
	timeout := s.timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	deadline := r.start.Add(timeout)
	res := fleetResult{start: r.start}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		st := sb.Stats()
		dead, _ := store.Count(ctx)
		res.delivered, res.deadLettered = st.Delivered, int(dead)
		res.elapsed = time.Since(r.start)
		res.samples = append(res.samples, sample{at: res.elapsed, delivered: st.Delivered, calls: st.Calls[sandbox.EndpointSendMessage]})
		if res.delivered+res.deadLettered >= s.tasks || ctx.Err() != nil || time.Now().After(deadline) {
			res.timedOut = res.delivered+res.deadLettered < s.tasks
			r.mu.Lock()
			res.marks = r.marks
			r.mu.Unlock()
			return res
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
}

// enqueue puts n one-recipient text messages in the messages queue.
func (b *bencher) enqueue(ctx context.Context, n int) error {
	client := tasks.NewClient(b.env.Redis, tasks.ClientConfig{})
	defer client.Close()
	g, gctx := errgroup.WithContext(ctx)
	const producers = 8
	for p := range producers {
		g.Go(func() error {
			for i := p; i < n; i += producers {
				_, err := client.SendMessage(gctx, tasks.SendMessage{Target: "users", To: []string{"bob"},
					Type: "txt", Body: []byte(`{"msg":"hello"}`)})
				if err != nil {
					return fmt.Errorf("enqueue: %w", err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// newWorker builds one worker "process" and returns its run function.
func (b *bencher) newWorker(url string, s fleetSpec) (func(context.Context), error) {
	api, err := agora.New(agora.Config{BaseURL: url, AppKey: "org#app", Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	tokens, err := b.tokens(api, s.localTokens)
	if err != nil {
		return nil, err
	}
	if s.bare {
		return bareWorker(b.env.Redis, api, tokens, s), nil
	}
	p, err := policy.New(policy.Config{})
	if err != nil {
		return nil, err
	}
	deps := dispatcher.Deps{Redis: b.env.Redis, RDB: b.env.RDB, API: api, Tokens: tokens, Policy: p,
		DeadLetters: deadletter.NewStore(b.env.RDB), Logger: slog.New(slog.DiscardHandler)}
	if s.throttle != nil {
		th, err := throttle.New(b.env.RDB, *s.throttle)
		if err != nil {
			return nil, err
		}
		deps.Throttle = th
	}
	w, err := dispatcher.New(dispatcher.Config{Concurrency: s.concurrency, Queues: s.queues, QueueMode: s.queueMode,
		PollInterval: 50 * time.Millisecond, ShutdownTimeout: 2 * time.Second}, deps)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) { _ = w.Run(ctx) }, nil
}

func (b *bencher) tokens(api *agora.Client, local bool) (agora.TokenSource, error) {
	switch {
	case local:
		return agora.NewClientCredentials(api, agora.ClientCredentialsConfig{ClientID: clientID, ClientSecret: clientSecret})
	case b.env.Tokens != nil:
		return b.env.Tokens(api, clientID, clientSecret)
	}
	return tokenstore.New(tokenstore.Config{Redis: b.env.RDB, Name: "org#app",
		Fetch: func(ctx context.Context) (agora.Token, error) {
			return api.RequestToken(ctx, clientID, clientSecret, time.Hour)
		}})
}

// rateBetween is the delivery rate between two moments of the run.
func (f fleetResult) rateBetween(from, to time.Duration) float64 {
	var a, z *sample
	for i := range f.samples {
		s := &f.samples[i]
		if a == nil && s.at >= from {
			a = s
		}
		if s.at <= to {
			z = s
		}
	}
	if a == nil || z == nil || z.at <= a.at {
		return float64(f.delivered) / max(f.elapsed.Seconds(), 1e-9)
	}
	return float64(z.delivered-a.delivered) / (z.at - a.at).Seconds()
}

// singleQueue is the queue layout of one queue, for the baseline.
func singleQueue() map[string]int { return map[string]int{tasks.QueueMessages: 1} }
