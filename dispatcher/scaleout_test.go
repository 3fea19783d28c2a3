package dispatcher_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/internal/redistest"
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
	*e2etest.Fleet
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
	require.Equal(t, 1, s.Sandbox.Stats().TokenRequests, "one token request for two workers")

	s.Sandbox.AddFault(sandbox.Fault{Match: "dead-me", Status: 403, Code: "forbidden_op", Message: "Forbidden operation on group owner!"})
	s.Sandbox.AddFault(sandbox.Fault{Match: "retry-me", Status: 503, Times: 1})
	s.Sandbox.AddFault(sandbox.Fault{Match: "defer-me", Status: 429, Code: "reach_limit", Times: 1})

	ids := s.send("m-0", "m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-7", "retry-me", "defer-me")
	keyed := s.send("keyed")
	again, err := s.Producer.SendMessage(ctx, e2etest.Message("keyed-again"), tasks.Key("order-42"))
	require.NoError(t, err)
	require.Equal(t, keyed[0], again, "the idempotency key returns the first task's id")
	dead := s.send("dead-me")[0]

	s.WaitOutcome(t, append(ids, keyed...), dispatcher.OutcomeDelivered)
	s.WaitOutcome(t, []string{dead}, dispatcher.OutcomeDeadLettered)
	require.Equal(t, 11, s.Sandbox.Stats().Delivered, "ten messages and the keyed one, once")

	s.checkDeadLetter(dead)
	s.checkThrottleState()

	// A token expiry mid-run: one refresh for the whole fleet.
	s.Sandbox.ExpireTokens()
	s.WaitOutcome(t, s.send("after-0", "after-1", "after-2", "after-3"), dispatcher.OutcomeDelivered)
	require.Equal(t, 2, s.Sandbox.Stats().TokenRequests, "one more token request after the expiry")
	require.Equal(t, 2, a.State().Refreshes+b.State().Refreshes, "fetches across the fleet")
	s.checkOrdered()
	require.NotContains(t, s.Logs.String(), "CROSSSLOT", "a multi-key command crossed slots")
	require.NotContains(t, s.Logs.String(), "throttle: Redis error", "the throttle failed open")
}

func newScaleOut(t *testing.T, opt asynq.RedisConnOpt) *scaleOut {
	t.Helper()
	return &scaleOut{e2etest.New(t, func(o *e2etest.Options) {
		o.Redis = opt
		o.HTTPTimeout = 5 * time.Second
		o.OwnRedisClient = true
		o.Tokens = e2etest.SharedClientCredentials
		o.Throttle = &throttle.Config{}
		o.Worker.Concurrency = 4
	})}
}

// process starts one worker process (its own Redis client, token source,
// throttle and HTTP client) and returns its token source.
func (s *scaleOut) process() *tokenstore.Source {
	s.T.Helper()
	return s.AddWorker().Shared
}

// checkOrdered sends one order key's messages, its head failing once
// (issue #13): the key's Lua scripts and the sweeper run on the
// deployment, and the sandbox accepts them in order.
func (s *scaleOut) checkOrdered() {
	t := s.T
	t.Helper()
	s.Sandbox.AddFault(sandbox.Fault{Match: `"ord-0"`, Status: 503, Times: 1})
	var ids, want []string
	for i := range 5 {
		ids = append(ids, s.Send(fmt.Sprintf("ord-%d", i), tasks.OrderKey("scale-out-conversation")))
		want = append(want, fmt.Sprintf(`{"msg":"ord-%d"}`, i))
	}
	s.WaitOutcome(t, ids, dispatcher.OutcomeDelivered)
	var got []string
	for _, m := range s.Sandbox.Messages() {
		if strings.Contains(string(m.Body), `"ord-`) {
			got = append(got, string(m.Body))
		}
	}
	require.Equal(t, want, got, "the order key's messages in enqueue order")
}

// send enqueues one message per text; "keyed" is sent with key order-42.
func (s *scaleOut) send(texts ...string) []string {
	s.T.Helper()
	ids := make([]string, len(texts))
	for i, text := range texts {
		var opts []tasks.Option
		if text == "keyed" {
			opts = append(opts, tasks.Key("order-42"))
		}
		ids[i] = s.Send(text, opts...)
	}
	return ids
}

// checkDeadLetter reads the dead letter back through Get, List and Stats
// and finds the task archived in asynq.
func (s *scaleOut) checkDeadLetter(id string) {
	t := s.T
	t.Helper()
	ctx := t.Context()
	store := s.Store
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
	s.WaitTaskState(t, "messages", id, asynq.TaskStateArchived) // asynq archives after the handler returns
}

// checkThrottleState finds the 429 counted fleet-wide and the GCRA state in
// Redis: the throttle fails open, so only its keys show that its scripts
// ran (one 429 is counted, not yet a pause).
func (s *scaleOut) checkThrottleState() {
	t := s.T
	t.Helper()
	f := throttle.FamilyFor(tasks.TypeSendMessage, "users")
	strikes, err := s.RDB.HGet(t.Context(), fmt.Sprintf("{chatq}:throttle:%s", f), "strikes").Int()
	require.NoError(t, err, "the 429 was counted for the fleet")
	require.Equal(t, 1, strikes)
	n, err := s.RDB.Exists(t.Context(), fmt.Sprintf("rate:{chatq}:throttle:%s", f)).Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "GCRA state of the family")
}
