package deadletter_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

type testBundle struct {
	db     *redistest.DB
	store  *deadletter.Store
	client *tasks.Client
	insp   *asynq.Inspector
	table  *policy.Table
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := redistest.New(t)
	client := tasks.NewClient(db.Opt, tasks.ClientConfig{Redis: db.Client})
	t.Cleanup(func() { _ = client.Close() })
	insp := asynq.NewInspector(db.Opt)
	t.Cleanup(func() { _ = insp.Close() })
	table, err := policy.NewTable(nil, policy.DefaultRules())
	require.NoError(t, err)
	return &testBundle{db: db, store: deadletter.New(db.Client, deadletter.Config{}), client: client, insp: insp, table: table}
}

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// retryable is a record the default policy would retry now (a 503 whose
// retries ran out), so replay sends it without --force.
func retryable(i int) deadletter.Record {
	r := deadletter.Record{
		TaskID: fmt.Sprintf("task-%06d", i), Type: tasks.TypeSendMessage, Queue: tasks.QueueMessages,
		Status: 503, Rule: "503", Action: "retry", Reason: "retries exhausted (3 of 3): service unavailable",
		Attempts: 4, FirstFailure: base, LastFailure: base.Add(time.Duration(i) * time.Millisecond), Worker: "test:1",
	}
	r.SetPayload(fmt.Appendf(nil, `{"target":"users","from":"admin","to":["user%d"],"type":"txt","body":{"msg":"hello %d"}}`, i, i))
	return r
}

// deadForGood is a record the default policy still dead-letters.
func deadForGood(i int) deadletter.Record {
	r := retryable(i)
	r.Status, r.Code, r.Rule, r.Action = 404, "resource_not_found", "404-user-not-found", "dead-letter"
	r.Description, r.Reason = "username user1 doesn't exist", "user does not exist"
	return r
}

// payloadFault is a record the provider refused because of the payload
// itself (a body over its size limit): sending it again unchanged fails the
// same way.
func payloadFault(i int) deadletter.Record {
	r := retryable(i)
	r.Status, r.Code, r.Rule, r.Action = 400, "message_send_error", "400-send-message-too-large", "dead-letter"
	r.Description, r.Reason = "message is too large", "message body too large"
	return r
}

// invalidTask is a record chatq dead-lettered itself because the task was
// invalid (here a malformed deadline header): no provider answer at all.
func invalidTask(i int) deadletter.Record {
	r := retryable(i)
	r.Status, r.Code, r.Rule, r.Action = 0, "", "invalid-payload", "dead-letter"
	r.Description, r.Reason = "", "invalid task: header chatq-expires-at: must be an RFC 3339 time"
	return r
}

// expired is a record dead-lettered because its deadline passed while the
// provider answered 429: the policy alone would replay it.
func expired(i int) deadletter.Record {
	r := retryable(i)
	r.Status, r.Code, r.Rule, r.Action = 429, "reach_limit", deadletter.RuleExpired, "dead-letter"
	r.Reason = "expired: deadline passed while deferred"
	return r
}

func (b *testBundle) put(t *testing.T, recs ...deadletter.Record) {
	t.Helper()
	for start := 0; start < len(recs); start += 1000 {
		require.NoError(t, b.store.PutMany(context.Background(), recs[start:min(start+1000, len(recs))]))
	}
}

// pending returns the payloads of the tasks pending in queue.
func (b *testBundle) pending(t *testing.T, queue string) []string {
	t.Helper()
	var out []string
	for page := 1; ; page++ {
		infos, err := b.insp.ListPendingTasks(queue, asynq.PageSize(1000), asynq.Page(page))
		if err != nil {
			return out // no such queue yet
		}
		for _, ti := range infos {
			out = append(out, string(ti.Payload))
		}
		if len(infos) < 1000 {
			sort.Strings(out)
			return out
		}
	}
}

// snapshot returns every key of the database with its DUMP, to prove a dry
// run changed nothing.
func (b *testBundle) snapshot(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := b.db.Client.Keys(ctx, "*").Result()
	require.NoError(t, err)
	out := map[string]string{}
	for _, k := range keys {
		v, err := b.db.Client.Dump(ctx, k).Result()
		require.NoError(t, err)
		out[k] = v
	}
	return out
}
