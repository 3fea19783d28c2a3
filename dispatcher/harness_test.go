package dispatcher_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

const (
	testClientID     = "test-client-id"
	testClientSecret = "test-client-secret-9f8e7d"
	waitTimeout      = 20 * time.Second
)

// harness is one real worker on a real Redis database against a sandbox
// provider over real HTTP.
type harness struct {
	t        *testing.T
	db       *redistest.DB
	sb       *sandbox.Server
	url      string
	worker   *dispatcher.Worker
	producer *tasks.Client
	store    *deadletter.Store
	insp     *asynq.Inspector
	events   *recorder
	logs     *syncBuffer
	stop     func()
}

type harnessOpts struct {
	sandbox     sandbox.Config
	worker      dispatcher.Config
	httpTimeout time.Duration
	store       *deadletter.Store // nil: a store on the test database
	noStart     bool
	onFinished  func(taskID string) // dispatcher.Deps.OnFinished
}

func defaultHarnessOpts() harnessOpts {
	return harnessOpts{
		sandbox: sandbox.Config{ClientID: testClientID, ClientSecret: testClientSecret},
		worker: dispatcher.Config{
			Concurrency: 10, PollInterval: 20 * time.Millisecond, ShutdownTimeout: 3 * time.Second,
			DeferMaxAttempts: 5, DeferMaxAge: time.Minute, CredentialsLogInterval: time.Hour,
		},
		httpTimeout: 2 * time.Second,
	}
}

func setup(t *testing.T, mutate ...func(*harnessOpts)) *harness {
	t.Helper()
	o := defaultHarnessOpts()
	for _, m := range mutate {
		m(&o)
	}
	h := &harness{t: t, db: redistest.New(t), sb: sandbox.New(o.sandbox), events: newRecorder(), logs: &syncBuffer{}}
	srv := httptest.NewServer(h.sb)
	t.Cleanup(srv.Close)
	h.store = o.store
	if h.store == nil {
		h.store = deadletter.NewStore(h.db.Client)
	}
	h.url = srv.URL
	h.worker = h.newWorker(srv.URL, o)
	h.producer = tasks.NewClient(h.db.Opt, tasks.ClientConfig{})
	t.Cleanup(func() { _ = h.producer.Close() })
	h.insp = asynq.NewInspector(h.db.Opt)
	t.Cleanup(func() { _ = h.insp.Close() })
	if !o.noStart {
		h.start()
	}
	t.Cleanup(h.assertNoSecretsLogged)
	return h
}

func (h *harness) newWorker(url string, o harnessOpts) *dispatcher.Worker {
	h.t.Helper()
	api, err := agora.New(agora.Config{BaseURL: url, AppKey: "org#app", Timeout: o.httpTimeout})
	require.NoError(h.t, err)
	tokens, err := agora.NewClientCredentials(api, agora.ClientCredentialsConfig{
		ClientID: testClientID, ClientSecret: testClientSecret, FailureCooldown: time.Millisecond})
	require.NoError(h.t, err)
	fast := policy.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2}
	p, err := policy.New(policy.Config{Backoff: map[policy.Class]policy.Backoff{
		policy.ClassTransient: fast, policy.ClassSlow: fast}})
	require.NoError(h.t, err)
	w, err := dispatcher.New(o.worker, dispatcher.Deps{
		Redis: h.db.Opt, RDB: h.db.Client, API: api, Tokens: tokens, Policy: p,
		DeadLetters: h.store, Observer: h.events, OnFinished: o.onFinished,
		Logger: slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(h.t, err)
	return w
}

// start runs the worker until the test ends (or stop is called).
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = h.worker.Run(ctx)
	}()
	var once sync.Once
	h.stop = func() { once.Do(func() { cancel(); <-done }) }
	h.t.Cleanup(h.stop)
}

// send enqueues a txt message whose text is marker, so faults can match it.
func (h *harness) send(marker string, opts ...tasks.Option) string {
	h.t.Helper()
	b, _ := json.Marshal(map[string]string{"msg": marker})
	id, err := h.producer.SendMessage(context.Background(),
		tasks.SendMessage{Target: "users", To: []string{"erin"}, Type: "txt", Body: b}, opts...)
	require.NoError(h.t, err)
	return id
}

// assertNoSecretsLogged fails the test if the client secret or any issued
// token ("YWMt…") reached the logs.
func (h *harness) assertNoSecretsLogged() {
	logs := h.logs.String()
	require.NotContains(h.t, logs, testClientSecret, "client secret in logs")
	require.NotContains(h.t, logs, "YWMt", "a token in logs")
}

// recorder is a dispatcher.Observer that lets tests wait for outcomes.
type recorder struct {
	mu     sync.Mutex
	byTask map[string][]dispatcher.Event
	signal chan struct{}
}

func newRecorder() *recorder {
	return &recorder{byTask: map[string][]dispatcher.Event{}, signal: make(chan struct{})}
}

func (r *recorder) Observe(e dispatcher.Event) {
	r.mu.Lock()
	r.byTask[e.TaskID] = append(r.byTask[e.TaskID], e)
	close(r.signal)
	r.signal = make(chan struct{})
	r.mu.Unlock()
}

// waitFinal waits until the task has ended and returns all its events.
func (r *recorder) waitFinal(t *testing.T, id string) []dispatcher.Event {
	t.Helper()
	return r.waitFor(t, id, func(evs []dispatcher.Event) bool {
		return len(evs) > 0 && evs[len(evs)-1].Outcome.Final()
	})
}

// waitFor waits, with a deadline, until cond holds for the task's events.
func (r *recorder) waitFor(t *testing.T, id string, cond func([]dispatcher.Event) bool) []dispatcher.Event {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		r.mu.Lock()
		evs := append([]dispatcher.Event(nil), r.byTask[id]...)
		sig := r.signal
		r.mu.Unlock()
		if cond(evs) {
			return evs
		}
		select {
		case <-sig:
		case <-deadline:
			t.Fatalf("task %s: condition not met within %s; events so far: %v", id, waitTimeout, outcomes(evs))
		}
	}
}

func outcomes(evs []dispatcher.Event) []dispatcher.Outcome {
	out := make([]dispatcher.Outcome, len(evs))
	for i, e := range evs {
		out[i] = e.Outcome
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitTaskState polls asynq until the task is in state: asynq moves a task
// after the handler returns and signals nothing, so a deadline-bounded poll
// is the only way to wait for it.
func (h *harness) waitTaskState(t *testing.T, queue, id string, state asynq.TaskState) *asynq.TaskInfo {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		info, err := h.insp.GetTaskInfo(queue, id)
		if err == nil && info.State == state {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s: not %s within %s (info %+v, err %v)", id, state, waitTimeout, info, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitCalls waits until the sandbox has seen at least n calls to endpoint.
func (h *harness) waitCalls(t *testing.T, endpoint string, n int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for h.sb.Stats().Calls[endpoint] < n {
		if time.Now().After(deadline) {
			t.Fatalf("sandbox: fewer than %d %s calls within %s", n, endpoint, waitTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
