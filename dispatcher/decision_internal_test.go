package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// These tests drive the decision core (execute, apply, deferTask,
// settleItems) with a fake call, a fake token source and a clock the test
// moves, on a real Redis for the task state and the dead letters. The
// end-to-end tests (rows_test.go, guarantees_test.go) cover the same paths
// through asynq and the sandbox.

// fakeTokens hands out "tok-1", "tok-2", … and counts invalidations.
type fakeTokens struct {
	mu          sync.Mutex
	n           int
	invalidated []string
}

func (f *fakeTokens) Token(context.Context) (agora.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.n = 1
	}
	return agora.NewToken(fmt.Sprintf("tok-%d", f.n), time.Now().Add(time.Hour)), nil
}

func (f *fakeTokens) Invalidate(tok agora.Token) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invalidated = append(f.invalidated, tok.Value())
	f.n++
}

// answers is a fake call: it returns its answers in order, the last one
// again once they run out, and records the token of every call.
type answers struct {
	results []answer
	tokens  []string
}

type answer struct {
	items []itemFailure
	err   error
}

func (a *answers) call(_ context.Context, tok agora.Token) ([]itemFailure, error) {
	a.tokens = append(a.tokens, tok.Value())
	r := a.results[min(len(a.tokens), len(a.results))-1]
	return r.items, r.err
}

type coreBundle struct {
	w      *Worker
	db     *redistest.DB
	tokens *fakeTokens
	clock  time.Time
	events []Event
}

func setupCore(t *testing.T, mutate ...func(*Config)) *coreBundle {
	t.Helper()
	db := redistest.New(t)
	pol, err := policy.New(policy.Config{Rand: func() float64 { return 0.5 }})
	require.NoError(t, err)
	cfg := Config{WorkerName: "unit", DeferMaxAttempts: 3, DeferMaxAge: time.Hour}
	for _, m := range mutate {
		m(&cfg)
	}
	cfg = cfg.withDefaults()
	require.NoError(t, cfg.validate())
	b := &coreBundle{db: db, tokens: &fakeTokens{}, clock: time.Unix(1_800_000_000, 0)}
	logger := slog.New(slog.DiscardHandler)
	b.w = &Worker{cfg: cfg, tokens: b.tokens, policy: pol, logger: logger,
		dead:     deadletter.New(db.Client, deadletter.Config{}),
		state:    &failureState{rdb: db.Client, ttl: cfg.DeferMaxAge + time.Hour},
		creds:    &credentialHealth{interval: time.Minute, logger: logger},
		observer: ObserverFunc(func(e Event) { b.events = append(b.events, e) }),
		finisher: newFinisher(db.Client, logger, cfg.DeliveredTTL),
		archived: newDeadLettered(),
		producer: tasks.NewClient(db.Opt, tasks.ClientConfig{Redis: db.Client}),
		now:      func() time.Time { return b.clock },
	}
	t.Cleanup(func() { _ = b.w.producer.Close() })
	return b
}

// run returns a run of typ with the given retries spent of a budget of 2.
func (b *coreBundle) run(typ string, retried int) run {
	return run{id: "task-1", queue: "q", typ: typ, payload: []byte(`{}`), retried: retried, budget: 2}
}

func (b *coreBundle) lastOutcome(t *testing.T) Outcome {
	t.Helper()
	require.NotEmpty(t, b.events, "no event observed")
	return b.events[len(b.events)-1].Outcome
}

func apiErr(status int, code string) error {
	return &agora.APIError{Status: status, Code: code, Op: "POST /messages/users"}
}

func TestWorker_execute(t *testing.T) {
	t.Parallel()
	ok := answer{}
	tests := []struct {
		name          string
		typ           string
		retried       int
		answers       []answer
		wantErr       bool
		wantFailure   bool // IsFailure of the error
		wantAction    policy.Action
		wantDead      bool
		wantCalls     int
		wantOutcome   Outcome
		wantTokens    []string
		wantInvalid   []string
		wantRejecting bool
	}{
		{name: "delivered", answers: []answer{ok}, wantCalls: 1, wantOutcome: OutcomeDelivered},
		{name: "rate limited: deferred, not a failure", answers: []answer{{err: apiErr(429, "reach_limit")}},
			wantErr: true, wantAction: policy.ActionDefer, wantCalls: 1, wantOutcome: OutcomeDeferred},
		{name: "503: retried, a failure", answers: []answer{{err: apiErr(503, "")}},
			wantErr: true, wantFailure: true, wantAction: policy.ActionRetry, wantCalls: 1, wantOutcome: OutcomeRetry},
		{name: "503 with the budget spent: dead-lettered", retried: 2, answers: []answer{{err: apiErr(503, "")}},
			wantErr: true, wantFailure: true, wantDead: true, wantCalls: 1, wantOutcome: OutcomeDeadLettered},
		{name: "401 then success: one refresh, inline", answers: []answer{{err: apiErr(401, "unauthorized")}, ok},
			wantCalls: 2, wantOutcome: OutcomeDelivered, wantTokens: []string{"tok-1", "tok-2"}, wantInvalid: []string{"tok-1"}},
		{name: "401 twice: credentials rejected", answers: []answer{{err: apiErr(401, "unauthorized")}},
			wantErr: true, wantAction: policy.ActionCredentials, wantCalls: 2, wantOutcome: OutcomeCredentials,
			wantTokens: []string{"tok-1", "tok-2"}, wantInvalid: []string{"tok-1"}, wantRejecting: true},
		{name: "user exists: done", typ: tasks.TypeRegisterUser, answers: []answer{{err: apiErr(400, "duplicate_unique_property_exists")}},
			wantCalls: 1, wantOutcome: OutcomeDone},
		{name: "request refused before sending: dead-lettered",
			answers: []answer{{err: fmt.Errorf("building request: %w", agora.ErrInvalidInput)}},
			wantErr: true, wantFailure: true, wantDead: true, wantCalls: 1, wantOutcome: OutcomeDeadLettered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCore(t)
			typ := tt.typ
			if typ == "" {
				typ = tasks.TypeSendMessage
			}
			a := &answers{results: tt.answers}
			err := b.w.execute(t.Context(), b.run(typ, tt.retried), job{call: a.call})
			require.Len(t, a.tokens, tt.wantCalls, "calls")
			require.Equal(t, tt.wantOutcome, b.lastOutcome(t))
			if tt.wantTokens != nil {
				require.Equal(t, tt.wantTokens, a.tokens)
			}
			require.Equal(t, tt.wantInvalid, b.tokens.invalidated)
			require.Equal(t, tt.wantRejecting, b.w.creds.err() != nil, "credentials rejected")
			if !tt.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, tt.wantFailure, IsFailure(err), "IsFailure")
			_, getErr := b.w.dead.Get(t.Context(), "task-1")
			if tt.wantDead {
				require.ErrorIs(t, err, asynq.SkipRetry)
				require.NoError(t, getErr, "the record is written before asynq archives")
				return
			}
			require.Error(t, getErr, "no dead letter")
			var de *DecisionError
			require.ErrorAs(t, err, &de)
			require.Equal(t, tt.wantAction, de.Decision.Action)
			require.Positive(t, de.Decision.Delay)
		})
	}
}

func TestWorker_executeCanceled(t *testing.T) {
	t.Parallel()
	b := setupCore(t)
	ctx, cancel := context.WithCancel(t.Context())
	a := &answers{results: []answer{{err: errors.New("connection reset")}}}
	cancel()
	err := b.w.execute(ctx, b.run(tasks.TypeSendMessage, 0), job{call: a.call})
	require.ErrorIs(t, err, context.Canceled, "asynq puts the task back")
	require.Empty(t, b.events, "nothing decided")
}

// TestWorker_deferTask: deferrals spend the deferral budget, counted in
// Redis, by number and by age on the worker's clock.
func TestWorker_deferTask(t *testing.T) {
	t.Parallel()
	limited := []answer{{err: apiErr(429, "reach_limit")}}

	t.Run("by number", func(t *testing.T) {
		t.Parallel()
		b := setupCore(t) // DeferMaxAttempts 3
		for i := range 3 {
			err := b.w.execute(t.Context(), b.run(tasks.TypeSendMessage, 0), job{call: (&answers{results: limited}).call})
			require.False(t, IsFailure(err), "deferral %d", i+1)
			require.Equal(t, OutcomeDeferred, b.lastOutcome(t))
		}
		err := b.w.execute(t.Context(), b.run(tasks.TypeSendMessage, 0), job{call: (&answers{results: limited}).call})
		require.ErrorIs(t, err, asynq.SkipRetry)
		rec, gerr := b.w.dead.Get(t.Context(), "task-1")
		require.NoError(t, gerr)
		require.Contains(t, rec.Reason, "deferral budget exhausted (3 deferrals")
		require.Equal(t, 3, rec.Deferrals, "the deferral that found the budget spent is not counted")
		require.Equal(t, "deferrals", b.events[len(b.events)-1].Exhausted)
	})

	t.Run("by age", func(t *testing.T) {
		t.Parallel()
		b := setupCore(t) // DeferMaxAge 1h
		err := b.w.execute(t.Context(), b.run(tasks.TypeSendMessage, 0), job{call: (&answers{results: limited}).call})
		require.False(t, IsFailure(err))
		b.clock = b.clock.Add(time.Hour + time.Second)
		err = b.w.execute(t.Context(), b.run(tasks.TypeSendMessage, 0), job{call: (&answers{results: limited}).call})
		require.ErrorIs(t, err, asynq.SkipRetry)
		rec, gerr := b.w.dead.Get(t.Context(), "task-1")
		require.NoError(t, gerr)
		require.Contains(t, rec.Reason, "over 1h0m1s")
		require.Equal(t, b.clock.Add(-time.Hour-time.Second).UnixMilli(), rec.FirstFailure.UnixMilli())
	})
}

// TestWorker_settleItems: a 200 that left items unapplied, decided item by
// item.
func TestWorker_settleItems(t *testing.T) {
	t.Parallel()
	typ := tasks.TypeAddGroupMembers
	payload := []byte(`{"group_id":"g1","usernames":["a","b","c"]}`)
	already := func(u string) itemFailure {
		return itemFailure{Item: u, Failure: batchItemFailure(typ, 403, "forbidden_op",
			"Can not join this group, reason: user: "+u+" already in group: g1.")}
	}
	flaky := func(u string) itemFailure {
		return itemFailure{Item: u, Failure: batchItemFailure(typ, 500, "", noResultReason)}
	}
	illegal := func(u string) itemFailure {
		return itemFailure{Item: u, Failure: batchItemFailure(typ, 400, "illegal_argument", "username is not legal")}
	}
	tests := []struct {
		name        string
		items       []itemFailure
		wantOutcome Outcome
		wantErr     bool
		wantAction  policy.Action
		wantDead    []string // items of the task's own dead letter
		wantSplit   bool     // a new task holds the items to try again
	}{
		{name: "all applied", wantOutcome: OutcomeDelivered},
		{name: "some already members", items: []itemFailure{already("b")}, wantOutcome: OutcomeDelivered},
		{name: "all already members: done", items: []itemFailure{already("a"), already("b"), already("c")}, wantOutcome: OutcomeDone},
		{name: "none applied, all to retry: the task retries", items: []itemFailure{flaky("a"), flaky("b"), flaky("c")},
			wantErr: true, wantAction: policy.ActionRetry, wantOutcome: OutcomeRetry},
		{name: "none applied, all refused: the task is dead-lettered", items: []itemFailure{illegal("a"), illegal("b"), illegal("c")},
			wantErr: true, wantDead: []string{"a", "b", "c"}, wantOutcome: OutcomeDeadLettered},
		{name: "some applied, one to retry: split off", items: []itemFailure{flaky("c")},
			wantSplit: true, wantOutcome: OutcomeDelivered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCore(t)
			r := b.run(typ, 0)
			r.payload = payload
			j, err := b.w.prepare(r)
			require.NoError(t, err)
			err = b.w.settleItems(t.Context(), r, j, tt.items)
			require.Equal(t, tt.wantOutcome, b.lastOutcome(t))
			switch {
			case tt.wantDead != nil:
				require.ErrorIs(t, err, asynq.SkipRetry)
				rec, gerr := b.w.dead.Get(t.Context(), "task-1")
				require.NoError(t, gerr)
				require.Equal(t, tt.wantDead, rec.Items)
			case tt.wantErr:
				var de *DecisionError
				require.ErrorAs(t, err, &de)
				require.Equal(t, tt.wantAction, de.Decision.Action)
			default:
				require.NoError(t, err)
			}
			pending, err := asynq.NewInspector(b.db.Opt).ListPendingTasks("q")
			if !tt.wantSplit {
				require.Empty(t, pending)
				return
			}
			require.NoError(t, err)
			sched, err := asynq.NewInspector(b.db.Opt).ListScheduledTasks("q")
			require.NoError(t, err)
			all := append(pending, sched...)
			require.Len(t, all, 1, "one task for the items to try again")
			require.JSONEq(t, `{"group_id":"g1","usernames":["c"]}`, string(all[0].Payload))
		})
	}
}
