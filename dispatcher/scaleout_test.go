package dispatcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
	"github.com/chatq/chatq/tokenstore"
)

// The tests below run chatq on Redis's distributed modes (README "Scale
// out"): two worker processes and a producer on a Redis Cluster and on a
// Sentinel-managed master. Every kind of state chatq keeps in Redis is
// touched: the shared token (tokenstore, its lock and compare-and-delete
// scripts), dead letters (transaction, MGET, index), idempotency keys,
// per-task failure state (transaction) and the throttle (scripts, GCRA).
// On a cluster a multi-key command across slots fails with CROSSSLOT, so a
// key without the {chatq} hash tag would fail these tests.

func TestScaleOut_RedisCluster(t *testing.T) {
	t.Parallel()
	c := redistest.NewCluster(t)
	runScaleOut(t, c.Opt)
}

func TestScaleOut_RedisSentinel(t *testing.T) {
	t.Parallel()
	s := redistest.NewSentinel(t)
	runScaleOut(t, s.Opt)
}

// scaleOut is a producer and worker processes on one Redis deployment and
// one sandbox over HTTP.
type scaleOut struct {
	t      *testing.T
	opt    asynq.RedisConnOpt
	rdb    redis.UniversalClient // the test's own client, for assertions
	sb     *sandbox.Server
	url    string
	events *recorder
	logs   *syncBuffer
}

func runScaleOut(t *testing.T, opt asynq.RedisConnOpt) {
	s := newScaleOut(t, opt)
	a, b := s.process(), s.process()
	ctx := t.Context()

	// One token for the fleet: b finds the token a fetched.
	ta, err := a.Token(ctx)
	require.NoError(t, err)
	tb, err := b.Token(ctx)
	require.NoError(t, err)
	require.True(t, ta.Equal(tb), "both workers use the shared token")
	require.Equal(t, 1, s.sb.Stats().TokenRequests, "one token request for two workers")

	s.sb.AddFault(sandbox.Fault{Match: "dead-me", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!"})
	s.sb.AddFault(sandbox.Fault{Match: "retry-me", Status: 503, Times: 1})
	s.sb.AddFault(sandbox.Fault{Match: "defer-me", Status: 429, Code: "reach_limit", Times: 1})
	producer := tasks.NewClient(opt, tasks.ClientConfig{}) // its own go-redis client from opt, for Key
	t.Cleanup(func() { _ = producer.Close() })

	ids := s.send(producer, "m-0", "m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-7", "retry-me", "defer-me")
	keyed := s.send(producer, "keyed")
	again, err := producer.SendMessage(ctx, message("keyed-again"), tasks.Key("order-42"))
	require.NoError(t, err)
	require.Equal(t, keyed[0], again, "the idempotency key returns the first task's id")
	dead := s.send(producer, "dead-me")[0]

	s.waitOutcome(append(ids, keyed...), dispatcher.OutcomeDelivered)
	s.waitOutcome([]string{dead}, dispatcher.OutcomeDeadLettered)
	require.Equal(t, 11, s.sb.Stats().Delivered, "ten messages and the keyed one, once")

	s.checkDeadLetter(dead)
	s.checkThrottleState()

	// A token expiry mid-run: one refresh for the whole fleet.
	s.sb.ExpireTokens()
	s.waitOutcome(s.send(producer, "after-0", "after-1", "after-2", "after-3"), dispatcher.OutcomeDelivered)
	require.Equal(t, 2, s.sb.Stats().TokenRequests, "one more token request after the expiry")
	require.Equal(t, 2, a.State().Refreshes+b.State().Refreshes, "fetches across the fleet")
	require.NotContains(t, s.logs.String(), "CROSSSLOT", "a multi-key command crossed slots")
	require.NotContains(t, s.logs.String(), "throttle: Redis error", "the throttle failed open")
}

func newScaleOut(t *testing.T, opt asynq.RedisConnOpt) *scaleOut {
	t.Helper()
	s := &scaleOut{t: t, opt: opt, events: newRecorder(), logs: &syncBuffer{},
		sb: sandbox.New(sandbox.Config{ClientID: testClientID, ClientSecret: testClientSecret})}
	s.rdb = s.newRDB()
	srv := httptest.NewServer(s.sb)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	t.Cleanup(func() {
		logs := s.logs.String()
		require.NotContains(t, logs, testClientSecret, "client secret in logs")
		require.NotContains(t, logs, "YWMt", "a token in logs")
	})
	return s
}

// newRDB opens a go-redis client on the deployment, as chatq's CLI does
// (asynq's option makes it), closed at cleanup.
func (s *scaleOut) newRDB() redis.UniversalClient {
	s.t.Helper()
	rdb, ok := s.opt.MakeRedisClient().(redis.UniversalClient)
	require.True(s.t, ok, "client of type %T", s.opt.MakeRedisClient())
	s.t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// process starts one worker process (its own Redis client, token source,
// throttle and HTTP client) and returns its token source.
func (s *scaleOut) process() *tokenstore.Source {
	t := s.t
	t.Helper()
	rdb := s.newRDB()
	api, err := agora.New(agora.Config{BaseURL: s.url, AppKey: "org#app", Timeout: 5 * time.Second})
	require.NoError(t, err)
	logger := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fetch, name := clientCredentialsFetch(t, api)
	tokens, err := tokenstore.New(tokenstore.Config{Redis: rdb, Name: name, Fetch: fetch, Logger: logger})
	require.NoError(t, err)
	th, err := throttle.New(rdb, throttle.Config{Logger: logger})
	require.NoError(t, err)
	fast := policy.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2}
	p, err := policy.New(policy.Config{Backoff: map[policy.Class]policy.Backoff{policy.ClassTransient: fast, policy.ClassSlow: fast}})
	require.NoError(t, err)
	w, err := dispatcher.New(dispatcher.Config{Concurrency: 4, PollInterval: 20 * time.Millisecond,
		ShutdownTimeout: 3 * time.Second, DeferMaxAttempts: 5, DeferMaxAge: time.Minute, CredentialsLogInterval: time.Hour},
		dispatcher.Deps{Redis: s.opt, RDB: rdb, API: api, Tokens: tokens, Policy: p, Throttle: th,
			DeadLetters: deadletter.NewStore(rdb), Observer: s.events, Logger: logger})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return tokens
}

func message(text string) tasks.SendMessage {
	b, _ := json.Marshal(map[string]string{"msg": text})
	return tasks.SendMessage{Target: "users", To: []string{"erin"}, Type: "txt", Body: b}
}

// send enqueues one message per text; "keyed" is sent with key order-42.
func (s *scaleOut) send(p *tasks.Client, texts ...string) []string {
	s.t.Helper()
	ids := make([]string, len(texts))
	for i, text := range texts {
		var opts []tasks.Option
		if text == "keyed" {
			opts = append(opts, tasks.Key("order-42"))
		}
		id, err := p.SendMessage(s.t.Context(), message(text), opts...)
		require.NoError(s.t, err)
		ids[i] = id
	}
	return ids
}

func (s *scaleOut) waitOutcome(ids []string, want dispatcher.Outcome) {
	s.t.Helper()
	for _, id := range ids {
		evs := s.events.waitFinal(s.t, id)
		require.Equal(s.t, want, evs[len(evs)-1].Outcome, "task %s: %v", id, outcomes(evs))
	}
}

// checkDeadLetter reads the dead letter back through Get, List and Stats
// and finds the task archived in asynq.
func (s *scaleOut) checkDeadLetter(id string) {
	t := s.t
	t.Helper()
	ctx := t.Context()
	store := deadletter.NewStore(s.rdb)
	rec, err := store.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, 403, rec.Status)
	require.Equal(t, "forbidden_op", rec.Code)
	recs, err := store.List(ctx, deadletter.Filter{})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, id, recs[0].TaskID)
	st, err := store.Stats(ctx, deadletter.Filter{})
	require.NoError(t, err)
	require.Equal(t, 1, st.Total)
	require.Equal(t, []deadletter.Count{{Key: "403 forbidden_op", Count: 1}}, st.ByStatusCode)
	insp := asynq.NewInspector(s.opt)
	t.Cleanup(func() { _ = insp.Close() })
	deadline := time.Now().Add(waitTimeout)
	for { // asynq archives after the handler returns and signals nothing
		info, err := insp.GetTaskInfo("messages", id)
		if err == nil && info.State == asynq.TaskStateArchived {
			return
		}
		require.False(t, time.Now().After(deadline), "task %s not archived: %+v %v", id, info, err)
		time.Sleep(10 * time.Millisecond)
	}
}

// checkThrottleState finds the 429's pause and the GCRA state in Redis:
// the throttle fails open, so only its keys show that its scripts ran.
func (s *scaleOut) checkThrottleState() {
	t := s.t
	t.Helper()
	f := throttle.FamilyFor(tasks.TypeSendMessage, "users")
	pauses, err := s.rdb.HGet(t.Context(), fmt.Sprintf("{chatq}:throttle:%s", f), "pauses").Int()
	require.NoError(t, err, "the 429 started a fleet-wide pause")
	require.Equal(t, 1, pauses)
	n, err := s.rdb.Exists(t.Context(), fmt.Sprintf("rate:{chatq}:throttle:%s", f)).Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "GCRA state of the family")
}
