package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/ingest"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/taskstatus"
)

// ingestBatch is the batch size of the ingest scenario's HTTP runs, and
// ingestConcurrency the requests (or Go enqueuers) in flight.
const (
	ingestBatch       = 500
	ingestConcurrency = 4
)

// ingestScenario: the same tasks enqueued by the Go client
// (tasks.Client.Enqueue, ingestConcurrency goroutines) and by POST
// /v1/tasks/batch (ingestConcurrency requests of ingestBatch tasks in
// flight), taking turns for 7 rounds; then single-task
// latency, POST /v1/tasks against Client.Enqueue, one at a time. Only the
// enqueue is measured: no worker runs.
func ingestScenario(ctx context.Context, b *bencher) ([]Row, error) {
	n := b.size(6000, 1000)
	lines := ingestLines(n)
	client := tasks.NewClient(b.env.Redis, tasks.ClientConfig{})
	defer client.Close()
	url, stop, err := startIngest(b, client)
	if err != nil {
		return nil, err
	}
	defer stop()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: ingestConcurrency}, Timeout: time.Minute}
	defer hc.CloseIdleConnections()
	// Load on a shared machine drifts within seconds: short rounds, Go and
	// HTTP back to back, and the median of each pair's ratio.
	var goRates, httpRates, ratios []float64
	for range b.size(7, 1) {
		r, err := b.timed(ctx, "ingest/go client", n, func() error { return enqueueGo(ctx, client, lines) })
		if err != nil {
			return nil, err
		}
		goRates = append(goRates, r)
		r, err = b.timed(ctx, "ingest/http batches", n, func() error { return enqueueHTTP(ctx, hc, url, lines) })
		if err != nil {
			return nil, err
		}
		httpRates = append(httpRates, r)
		ratios = append(ratios, r/goRates[len(goRates)-1])
	}
	goRate, httpRate := medianOf(goRates), medianOf(httpRates)
	single := b.size(3000, 100)
	httpLat, goLat, err := b.latencies(ctx, hc, url, client, lines[:single])
	if err != nil {
		return nil, err
	}
	return []Row{
		{Scenario: "ingest", Metric: fmt.Sprintf("tasks/s enqueued: HTTP batches of %d, %d in flight (baseline: tasks.Client, %d goroutines)",
			ingestBatch, ingestConcurrency, ingestConcurrency), Chatq: httpRate, Baseline: ptr(goRate), Unit: "tasks/s"},
		{Scenario: "ingest", Metric: "HTTP batch ÷ Go client (median of the rounds' ratios)", Chatq: medianOf(ratios), Unit: "ratio", Target: ">= 0.80"},
		{Scenario: "ingest", Metric: "single task, POST /v1/tasks latency p50 (baseline: Client.Enqueue)",
			Chatq: ms(percentile(httpLat, 0.50)), Baseline: ptr(ms(percentile(goLat, 0.50))), Unit: "ms"},
		{Scenario: "ingest", Metric: "single task, POST /v1/tasks latency p99 (baseline: Client.Enqueue)",
			Chatq: ms(percentile(httpLat, 0.99)), Baseline: ptr(ms(percentile(goLat, 0.99))), Unit: "ms"},
	}, nil
}

// ingestLines are n message tasks as the API and the Go client take them.
func ingestLines(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = json.RawMessage(fmt.Sprintf(`{"type":"message:send","payload":{"target":"users","to":["erin"],`+
			`"type":"txt","body":{"msg":"ingest bench %06d"}}}`, i))
	}
	return out
}

// startIngest serves the ingest API in this process on a loopback port.
func startIngest(b *bencher, client *tasks.Client) (string, func(), error) {
	insp := asynq.NewInspector(b.env.Redis)
	srv, err := ingest.New(ingest.Config{Producer: client, MaxBatch: ingestBatch,
		Status: &taskstatus.Reader{Inspector: insp, RDB: b.env.RDB, DeadLetters: deadletter.New(b.env.RDB, deadletter.Config{}),
			Queues: []string{"messages"}},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		_ = insp.Close()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = insp.Close()
		return "", nil, err
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	return "http://" + ln.Addr().String(), func() {
		_ = srv.Shutdown(context.Background())
		<-done
		_ = insp.Close()
	}, nil
}

// timed empties the database, runs fn and returns n ÷ its duration.
func (b *bencher) timed(ctx context.Context, name string, n int, fn func() error) (float64, error) {
	if err := b.reset(ctx); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := fn(); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	rate := float64(n) / time.Since(start).Seconds()
	b.progress("%s: %d tasks, %.0f tasks/s", name, n, rate)
	return rate, nil
}

// parallel runs fn(i) for every i < n on ingestConcurrency goroutines;
// the first error wins.
func parallel(n int, fn func(i int) error) error {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range ingestConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

func enqueueGo(ctx context.Context, c *tasks.Client, lines []json.RawMessage) error {
	return parallel(len(lines), func(i int) error {
		_, err := enqueueLine(ctx, c, lines[i])
		return err
	})
}

// enqueueLine is what a Go producer holding the same JSON does.
func enqueueLine(ctx context.Context, c *tasks.Client, line json.RawMessage) (string, error) {
	var l struct {
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(line, &l); err != nil {
		return "", err
	}
	return c.Enqueue(ctx, l.Type, l.Payload)
}

func enqueueHTTP(ctx context.Context, hc *http.Client, url string, lines []json.RawMessage) error {
	var batches [][]byte
	for chunk := range slices.Chunk(lines, ingestBatch) {
		body, err := json.Marshal(chunk)
		if err != nil {
			return err
		}
		batches = append(batches, body)
	}
	return parallel(len(batches), func(i int) error {
		return post(ctx, hc, url+"/v1/tasks/batch", batches[i])
	})
}

func post(ctx context.Context, hc *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, got)
	}
	return nil
}

// latencies times each task's enqueue alone, over HTTP then with the Go
// client.
func (b *bencher) latencies(ctx context.Context, hc *http.Client, url string, c *tasks.Client, lines []json.RawMessage) (httpLat, goLat []time.Duration, err error) {
	if err := b.reset(ctx); err != nil {
		return nil, nil, err
	}
	for _, l := range lines {
		start := time.Now()
		if err := post(ctx, hc, url+"/v1/tasks", l); err != nil {
			return nil, nil, err
		}
		httpLat = append(httpLat, time.Since(start))
	}
	for _, l := range lines {
		start := time.Now()
		if _, err := enqueueLine(ctx, c, l); err != nil {
			return nil, nil, err
		}
		goLat = append(goLat, time.Since(start))
	}
	b.progress("ingest/latency: %d single tasks each way", len(lines))
	return httpLat, goLat, nil
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func medianOf(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[len(s)/2]
}
