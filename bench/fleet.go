package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

const (
	clientID     = "bench-client"
	clientSecret = "bench-secret"
	pollEvery    = 20 * time.Millisecond
)

// fleetSpec is one run: a provider, some worker processes, a backlog.
type fleetSpec struct {
	name        string
	sandbox     sandbox.Config
	wire        string // wirePlain, wireTLS1 or wireTLS2
	workers     int
	concurrency int
	baseline    bool     // the independent baseline process instead of chatq
	env         []string // chatq's CHATQ_* settings beyond the run's own (e.g. CHATQ_QUEUE_MODE=dedicated)
	tasks       int
	maxRetry    int                                    // the producer's retry budget; 0 = chatq's default
	during      func(ctx context.Context, r *fleetRun) // runs beside the workers
	timeout     time.Duration
	// mustFinish keeps a smoke run going until every task is settled (up
	// to timeout): its result is judged (nothing lost), and a loaded CI
	// machine can take longer than the smoke bound of 6s, which would
	// count tasks still in flight as lost.
	mustFinish bool
	// The ordered scenario's: faults the sandbox starts with, a producer
	// of its own (nil: b.enqueue), and the sandbox keeping every message
	// (its acceptance order is the oracle; delivered then counts each
	// message once, however often it was sent).
	faults       []sandbox.Fault
	produce      func(ctx context.Context, c *tasks.Client) error
	keepMessages bool
}

// fleetRun is a run in progress.
type fleetRun struct {
	p      *provider
	start  time.Time
	marks  map[string]time.Time
	markCh chan markAt
	// workers are the live worker processes (kill9 replaces one).
	mu      sync.Mutex
	workers []*child
	restart func(i int) (*child, error)
}

// kill9 kills worker i with SIGKILL and starts it again, as a supervisor
// would.
func (r *fleetRun) kill9(i int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.workers[i]
	_ = c.cmd.Process.Kill()
	<-c.done
	n, err := r.restart(i)
	if err != nil {
		return err
	}
	r.workers[i] = n
	return nil
}

func (r *fleetRun) live() []*child {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.workers)
}

type markAt struct {
	name string
	at   time.Time
}

func (r *fleetRun) mark(name string) { r.markCh <- markAt{name, time.Now()} }

// sample is the provider's counters at a moment.
type sample struct {
	at        time.Duration
	delivered int
	calls     int
}

type fleetResult struct {
	elapsed      time.Duration
	delivered    int
	deadLettered int // tasks in asynq's archive (chatq archives each dead letter after writing it)
	stats        sandbox.Stats
	samples      []sample
	marks        map[string]time.Time
	start        time.Time
	timedOut     bool
	sendWindow   time.Duration     // first send to last successful send, at the provider
	conns        int64             // connections the provider accepted
	connsWarm    int64             // of which after the first 1,000 sends; -1 = fewer sends
	handshakes   int64             // TLS handshakes the provider made
	peakRSS      []float64         // per worker process, MiB
	messages     []sandbox.Message // fleetSpec.keepMessages: what the sandbox accepted, in order
}

// lost is what is neither delivered nor dead-lettered.
func (f fleetResult) lost(n int) int { return n - f.delivered - f.deadLettered }

// rate is tasks delivered per second of the send window.
func (f fleetResult) rate() float64 {
	if f.sendWindow <= 0 {
		return 0
	}
	return float64(f.delivered) / f.sendWindow.Seconds()
}

// per1000 is how many of v there were per 1,000 send calls.
func (f fleetResult) per1000(v int64) float64 {
	calls := f.stats.Calls[sandbox.EndpointSendMessage]
	if calls == 0 {
		return 0
	}
	return 1000 * float64(v) / float64(calls)
}

func (b *bencher) runFleet(ctx context.Context, s fleetSpec) (fleetResult, error) {
	if err := b.reset(ctx); err != nil {
		return fleetResult{}, fmt.Errorf("flush: %w", err)
	}
	dir, err := os.MkdirTemp("", "chatq-bench-")
	if err != nil {
		return fleetResult{}, err
	}
	defer os.RemoveAll(dir)
	s.sandbox.ClientID, s.sandbox.ClientSecret, s.sandbox.MaxStoredMessages = clientID, clientSecret, 1
	if s.keepMessages {
		s.sandbox.MaxStoredMessages = 0
	}
	p, err := newProvider(s.sandbox, s.wire, dir)
	if err != nil {
		return fleetResult{}, err
	}
	defer p.close()
	for _, f := range s.faults {
		p.sb.AddFault(f)
	}
	if err := b.produce(ctx, s); err != nil {
		return fleetResult{}, err
	}
	children, err := b.startWorkers(p, s)
	r := &fleetRun{p: p, start: time.Now(), marks: map[string]time.Time{}, markCh: make(chan markAt, 16),
		workers: children, restart: func(i int) (*child, error) { return b.startWorker(p, s, i) }}
	defer func() {
		for _, c := range r.live() {
			c.stop()
		}
	}()
	if err != nil {
		return fleetResult{}, err
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	if s.during != nil {
		go s.during(wctx, r)
	}
	res, err := b.watch(ctx, r, s)
	if err != nil {
		return res, err
	}
	for _, c := range r.live() {
		res.peakRSS = append(res.peakRSS, c.peakRSS())
	}
	res.stats, res.sendWindow = p.sb.Stats(), p.sendWindow()
	if s.keepMessages {
		res.messages = p.sb.Messages()
	}
	res.conns, res.handshakes, res.connsWarm = p.conns.Load(), p.handshakes.Load(), p.connsAfterWarmUp()
	b.progress("  %-40s %6d tasks in %8s", s.name, s.tasks, res.elapsed.Round(time.Millisecond))
	if res.timedOut {
		b.progress("  %-40s timed out: %d delivered, %d dead-lettered", s.name, res.delivered, res.deadLettered)
	}
	return res, nil
}

// startWorkers starts the run's worker processes.
func (b *bencher) startWorkers(p *provider, s fleetSpec) ([]*child, error) {
	var children []*child
	for i := range s.workers {
		c, err := b.startWorker(p, s, i)
		if err != nil {
			return children, err
		}
		children = append(children, c)
	}
	return children, nil
}

// startWorker starts worker process i of the run.
func (b *bencher) startWorker(p *provider, s fleetSpec, i int) (*child, error) {
	name := fmt.Sprintf("%s worker %d", s.name, i+1)
	argv, env := b.chatqWorker(p, s)
	if s.baseline {
		argv, env = b.baselineWorker(p, s)
	}
	if b.opts.WorkerProfileDir != "" {
		file := strings.NewReplacer("/", "-", " ", "-", ",", "").Replace(name) + ".prof"
		argv = append(slices.Clone(argv), "--cpuprofile", filepath.Join(b.opts.WorkerProfileDir, file))
	}
	return startChild(name, argv, env)
}

// produce enqueues the run's backlog.
func (b *bencher) produce(ctx context.Context, s fleetSpec) error {
	if s.produce == nil {
		return b.enqueue(ctx, s.tasks, s.maxRetry)
	}
	client := tasks.NewClient(b.env.Redis, tasks.ClientConfig{})
	defer client.Close()
	return s.produce(ctx, client)
}

// chatqWorker is `chatq worker` configured as production is: defaults for
// everything but the provider, the credentials, Redis and the run's own
// settings. Metrics stay on (on a free port), logs at info.
func (b *bencher) chatqWorker(p *provider, s fleetSpec) ([]string, []string) {
	env := append(withoutChatqVars(os.Environ()),
		"CHATQ_API_URL="+p.url(), "CHATQ_APP_KEY=org#app",
		"CHATQ_CLIENT_ID="+clientID, "CHATQ_CLIENT_SECRET="+clientSecret,
		"CHATQ_REDIS_URL="+b.env.RedisURL, "CHATQ_CONCURRENCY="+strconv.Itoa(s.concurrency),
		"CHATQ_METRICS_ADDR=127.0.0.1:0")
	if p.caFile != "" {
		env = append(env, "CHATQ_API_CA_FILE="+p.caFile)
	}
	return b.env.WorkerCommand, append(env, s.env...)
}

// baselineWorker is the independent baseline process on one queue.
func (b *bencher) baselineWorker(p *provider, s fleetSpec) ([]string, []string) {
	argv := append(append([]string{}, b.env.BaselineCommand...),
		"--redis", b.env.RedisURL, "--api-url", p.url(), "--app-key", "org#app",
		"--client-id", clientID, "--concurrency", strconv.Itoa(s.concurrency), "--queue", tasks.QueueMessages)
	if p.caFile != "" {
		argv = append(argv, "--ca-file", p.caFile)
	}
	env := append(withoutChatqVars(os.Environ()), BaselineSecretVar+"="+clientSecret)
	return argv, env
}

// BaselineSecretVar carries the client secret to the baseline process (not
// a flag: flags show in ps).
const BaselineSecretVar = "CHATQ_BENCH_BASELINE_SECRET"

// watch polls until every task is delivered or dead-lettered, a worker
// dies, or the run times out.
func (b *bencher) watch(ctx context.Context, r *fleetRun, s fleetSpec) (fleetResult, error) {
	timeout := s.timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	if b.opts.Smoke && !s.mustFinish {
		timeout = min(timeout, 6*time.Second) // a slow baseline reports what it did
	}
	deadline := r.start.Add(timeout)
	res := fleetResult{start: r.start}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		st := r.p.sb.Stats()
		res.delivered = st.Delivered
		if s.keepMessages && res.delivered >= s.tasks-res.deadLettered {
			res.delivered = distinct(r.p.sb.Messages()) // a message sent twice counts once
		}
		res.elapsed = time.Since(r.start)
		res.samples = append(res.samples, sample{at: res.elapsed, delivered: st.Delivered, calls: st.Calls[sandbox.EndpointSendMessage]})
		if res.delivered < s.tasks || len(res.samples)%5 == 0 {
			res.deadLettered = b.archived(ctx)
			if s.keepMessages {
				// An ordered task run in a chain was never in asynq: its dead
				// letter has no archived copy, only chatq's record.
				res.deadLettered = b.deadLetters(ctx)
			}
		}
		if res.delivered+res.deadLettered >= s.tasks || ctx.Err() != nil || time.Now().After(deadline) {
			res.timedOut = res.delivered+res.deadLettered < s.tasks
			res.marks = r.drainMarks()
			return res, ctx.Err()
		}
		for _, c := range r.live() {
			if err := c.exited(); err != nil {
				return res, err
			}
		}
		select {
		case <-tick.C:
		case m := <-r.markCh:
			r.marks[m.name] = m.at
		case <-ctx.Done():
		}
	}
}

func (r *fleetRun) drainMarks() map[string]time.Time {
	for {
		select {
		case m := <-r.markCh:
			r.marks[m.name] = m.at
		default:
			return r.marks
		}
	}
}

// archived counts the tasks in asynq's archive of the messages queue, read
// from asynq's own key so that chatq's dead-letter store is not the judge.
func (b *bencher) archived(ctx context.Context) int {
	n, err := b.env.RDB.ZCard(ctx, "asynq:{"+tasks.QueueMessages+"}:archived").Result()
	if err != nil {
		return 0
	}
	return int(n)
}

// deadLetters counts chatq's dead-letter records (deadletter's index key).
func (b *bencher) deadLetters(ctx context.Context) int {
	n, err := b.env.RDB.ZCard(ctx, "{chatq}:dl:index").Result()
	if err != nil {
		return 0
	}
	return int(n)
}

// enqueue puts n one-recipient text messages in the messages queue, each
// with retry budget maxRetry (0: the default).
func (b *bencher) enqueue(ctx context.Context, n, maxRetry int) error {
	client := tasks.NewClient(b.env.Redis, tasks.ClientConfig{})
	defer client.Close()
	var opts []tasks.Option
	if maxRetry > 0 {
		opts = append(opts, tasks.MaxRetry(maxRetry))
	}
	g, gctx := errgroup.WithContext(ctx)
	const producers = 8
	for p := range producers {
		g.Go(func() error {
			for i := p; i < n; i += producers {
				_, err := client.SendMessage(gctx, tasks.SendMessage{Target: "users", To: []string{"bob"},
					Type: "txt", Body: []byte(`{"msg":"hello"}`)}, opts...)
				if err != nil {
					return fmt.Errorf("enqueue: %w", err)
				}
			}
			return nil
		})
	}
	return g.Wait()
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
