package dispatcher_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// writeCase is one task of the writes (issue #12: message:recall,
// group:update, rest:call) through a real worker on the sandbox, and what
// must come of it.
type writeCase struct {
	name    string
	prepare func(h *harness) // seeds state, adds faults
	enqueue func(h *harness) (string, error)
	// wantOutcomes are the outcomes of the task's events, in order;
	// wantRule the rule of the first event ("" when it is delivered).
	wantOutcomes []dispatcher.Outcome
	wantRule     string
	check        func(t *testing.T, h *harness, id string)
}

// TestWrites runs every write case in both dialects, each dialect on one
// worker: delivered, the idempotent "done" answers, dead letters, retries
// and the 200 refusals, in the provider's answers of that dialect.
func TestWrites(t *testing.T) {
	for _, d := range []agora.Dialect{agora.DialectAgora, agora.DialectEasemob} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			h := setup(t, e2etest.WithDialect(d))
			h.Sandbox.SeedUsers("alice", "bob", "carol")
			for _, tc := range writeCases(d) {
				t.Run(tc.name, func(t *testing.T) {
					if tc.prepare != nil {
						tc.prepare(h)
					}
					id, err := tc.enqueue(h)
					require.NoError(t, err)
					evs := h.Events.WaitFinal(t, id)
					require.Equal(t, tc.wantOutcomes, e2etest.Outcomes(evs), "events %+v", evs)
					if tc.wantRule != "" {
						require.Equal(t, tc.wantRule, evs[0].Rule)
					}
					if tc.check != nil {
						tc.check(t, h, id)
					}
				})
			}
		})
	}
}

// deadLetter returns the dead letter of task id.
func deadLetter(t *testing.T, h *harness, id string) (rule, code string, status int) {
	t.Helper()
	rec, err := h.Store.Get(context.Background(), id)
	require.NoError(t, err)
	return rec.Rule, rec.Code, rec.Status
}

func writeCases(d agora.Dialect) []writeCase {
	ctx := context.Background()
	now := time.Now()
	yes := true
	// sent seeds a message from alice to bob sent ago; msgID is its id.
	var msgID string
	var calls int // recall calls before a case
	sent := func(ago time.Duration) func(h *harness) {
		return func(h *harness) { msgID = h.Sandbox.SeedMessage("users", "alice", "bob", time.Now().Add(-ago)) }
	}
	recall := func(opts ...tasks.Option) func(h *harness) (string, error) {
		return func(h *harness) (string, error) {
			return h.Producer.RecallMessage(ctx, tasks.RecallMessage{MsgID: msgID, To: "bob", ChatType: "chat", From: "alice"}, opts...)
		}
	}
	recalled := func(t *testing.T, h *harness, _ string) {
		require.True(t, h.Sandbox.Recalled(msgID), "the sandbox recalled the message")
	}
	// The provider's own refusals: Agora says no with a 200, Easemob with 403.
	tooLateRule, notFoundRule := "200-recall-too-late", "200-recall-not-found"
	if d == agora.DialectEasemob {
		tooLateRule, notFoundRule = "403-recall-too-late", "403-recall-not-found"
	}
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	update := func(p tasks.UpdateGroup, opts ...tasks.Option) func(h *harness) (string, error) {
		return func(h *harness) (string, error) { return h.Producer.UpdateGroup(ctx, p, opts...) }
	}
	rest := func(p tasks.RestCall, opts ...tasks.Option) func(h *harness) (string, error) {
		return func(h *harness) (string, error) { return h.Producer.RestCall(ctx, p, opts...) }
	}
	return []writeCase{
		// message:recall
		{name: "recall: delivered", prepare: sent(10 * time.Second), enqueue: recall(),
			wantOutcomes: []dispatcher.Outcome{delivered}, check: recalled},
		{name: "recall: group message, the dialect's chat_type", enqueue: func(h *harness) (string, error) {
			msgID = h.Sandbox.SeedMessage("chatgroups", "alice", "rc-g1", time.Now())
			return h.Producer.RecallMessage(ctx, tasks.RecallMessage{MsgID: msgID, To: "rc-g1", ChatType: "groupchat"})
		}, wantOutcomes: []dispatcher.Outcome{delivered}, check: recalled},
		{name: "recall: already recalled is done", prepare: func(h *harness) {
			sent(0)(h)
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRecallMessage, Match: msgID, DropAfter: true, Times: 1})
		}, enqueue: recall(),
			// The first answer is lost after the recall happened; the retry
			// finds the message recalled.
			wantOutcomes: []dispatcher.Outcome{retry, done}, wantRule: "network",
			check: func(t *testing.T, h *harness, id string) {
				evs := h.Events.Events(id)
				require.Equal(t, notFoundRule, evs[1].Rule)
				recalled(t, h, id)
			}},
		{name: "recall: sent_at past the window, dead-lettered without a call", prepare: func(h *harness) {
			msgID = h.Sandbox.SeedMessage("users", "alice", "bob", now.Add(-5*time.Minute))
			calls = h.Sandbox.Stats().Calls[sandbox.EndpointRecallMessage]
		}, enqueue: func(h *harness) (string, error) {
			at := now.Add(-5 * time.Minute)
			return h.Producer.RecallMessage(ctx, tasks.RecallMessage{MsgID: msgID, To: "bob", ChatType: "chat", SentAt: &at})
		}, wantOutcomes: []dispatcher.Outcome{dead}, wantRule: "recall-window",
			check: func(t *testing.T, h *harness, id string) {
				require.Equal(t, calls, h.Sandbox.Stats().Calls[sandbox.EndpointRecallMessage], "no call made")
				rule, _, _ := deadLetter(t, h, id)
				require.Equal(t, "recall-window", rule)
				require.False(t, h.Sandbox.Recalled(msgID))
			}},
		{name: "recall: forced past the window", enqueue: func(h *harness) (string, error) {
			msgID = h.Sandbox.SeedMessage("users", "alice", "bob", now.Add(-time.Hour))
			at := now.Add(-time.Hour)
			return h.Producer.RecallMessage(ctx, tasks.RecallMessage{MsgID: msgID, To: "bob", ChatType: "chat", Force: &yes, SentAt: &at})
		}, wantOutcomes: []dispatcher.Outcome{delivered}, check: recalled},
		{name: "recall: the provider's too late", prepare: sent(3 * time.Minute), enqueue: recall(),
			// Without sent_at the window runs from the enqueue, so chatq
			// calls, and the provider's answer decides.
			wantOutcomes: []dispatcher.Outcome{dead}, wantRule: tooLateRule,
			check: func(t *testing.T, h *harness, id string) {
				rule, _, _ := deadLetter(t, h, id)
				require.Equal(t, tooLateRule, rule)
			}},
		{name: "recall: 503 is retried", prepare: func(h *harness) {
			sent(0)(h)
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRecallMessage, Match: msgID, Status: 503, Times: 1})
		}, enqueue: recall(), wantOutcomes: []dispatcher.Outcome{retry, delivered}, wantRule: "503", check: recalled},
		{name: "recall: the provider's internal error is retried", prepare: func(h *harness) {
			sent(0)(h)
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRecallMessage, Match: msgID, Refuse: true, Times: 1})
		}, enqueue: recall(), wantOutcomes: []dispatcher.Outcome{retry, delivered},
			wantRule: map[agora.Dialect]string{agora.DialectAgora: "200-recall-refused", agora.DialectEasemob: "500"}[d], check: recalled},
		{name: "recall: recall service not opened", prepare: func(h *harness) {
			sent(0)(h)
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRecallMessage, Match: msgID, Status: 403, Code: "forbidden_op",
				Message: "message recall service is unopened", Times: 1})
		}, enqueue: recall(), wantOutcomes: []dispatcher.Outcome{dead}, wantRule: "403-recall-unopened"},

		{name: "recall: the wrong recipient", prepare: sent(0), enqueue: func(h *harness) (string, error) {
			return h.Producer.RecallMessage(ctx, tasks.RecallMessage{MsgID: msgID, To: "carol", ChatType: "chat"})
		}, wantOutcomes: []dispatcher.Outcome{dead},
			wantRule: map[agora.Dialect]string{agora.DialectAgora: "200-recall-no-recipient", agora.DialectEasemob: "400-recall-no-recipient"}[d]},
		{name: "recall: a field the provider misses", prepare: func(h *harness) {
			sent(0)(h)
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRecallMessage, Match: msgID, Status: 400, Code: "message_recall_error",
				Message: "param force can't be empty", Times: 1})
		}, enqueue: recall(), wantOutcomes: []dispatcher.Outcome{dead}, wantRule: "400-recall-param-empty"},

		// group:update
		{name: "update: delivered", prepare: func(h *harness) { h.Sandbox.SeedGroup("up-1", "alice", "bob") },
			enqueue:      update(tasks.UpdateGroup{GroupID: "up-1", GroupName: str("Renamed"), MaxUsers: num(500), Public: &yes, Custom: str("c")}),
			wantOutcomes: []dispatcher.Outcome{delivered},
			check: func(t *testing.T, h *harness, _ string) {
				g, _ := h.Sandbox.Group("up-1")
				require.Equal(t, "Renamed", g.Name)
				info, _ := h.Sandbox.GroupInfo("up-1")
				require.Equal(t, map[string]any{"description": "", "maxusers": 500.0, "public": true, "custom": "c"}, info)
			}},
		{name: "update: a field refused once is retried", prepare: func(h *harness) {
			h.Sandbox.SeedGroup("up-2", "alice")
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointUpdateGroup, Match: "up-2", Refuse: true, Times: 1})
		}, enqueue: update(tasks.UpdateGroup{GroupID: "up-2", Description: str("d")}),
			wantOutcomes: []dispatcher.Outcome{retry, delivered}, wantRule: "200-update-refused",
			check: func(t *testing.T, h *harness, _ string) {
				info, _ := h.Sandbox.GroupInfo("up-2")
				require.Equal(t, "d", info["description"])
			}},
		{name: "update: a field always refused is never done", prepare: func(h *harness) { h.Sandbox.SeedGroup("up-3", "alice", "bob", "carol") },
			// maxusers 2 is below the group's 3 members: answered false.
			enqueue:      update(tasks.UpdateGroup{GroupID: "up-3", MaxUsers: num(2)}, tasks.MaxRetry(1)),
			wantOutcomes: []dispatcher.Outcome{retry, dead}, wantRule: "200-update-refused",
			check: func(t *testing.T, h *harness, id string) {
				rule, code, status := deadLetter(t, h, id)
				require.Equal(t, []any{"200-update-refused", agora.CodeNotUpdated, 200}, []any{rule, code, status})
			}},
		{name: "update: no such group", enqueue: update(tasks.UpdateGroup{GroupID: "up-none", GroupName: str("x")}),
			wantOutcomes: []dispatcher.Outcome{dead}, wantRule: "404-service-resource-not-found"},

		// rest:call
		{name: "rest: a known route (PUT chatgroups/{id})", prepare: func(h *harness) { h.Sandbox.SeedGroup("rs-1", "alice") },
			enqueue:      rest(tasks.RestCall{Method: "PUT", Path: "chatgroups/rs-1", JSON: json.RawMessage(`{"description":"via rest"}`)}),
			wantOutcomes: []dispatcher.Outcome{delivered},
			check: func(t *testing.T, h *harness, _ string) {
				info, _ := h.Sandbox.GroupInfo("rs-1")
				require.Equal(t, "via rest", info["description"])
			}},
		{name: "rest: a known route (POST users)",
			enqueue: rest(tasks.RestCall{Method: "POST", Path: "users",
				JSON: json.RawMessage(map[agora.Dialect]string{agora.DialectAgora: `{"username":"rs-user"}`,
					agora.DialectEasemob: `{"username":"rs-user","password":"pw-123456"}`}[d])}),
			wantOutcomes: []dispatcher.Outcome{delivered},
			check:        func(t *testing.T, h *harness, _ string) { require.True(t, h.Sandbox.HasUser("rs-user")) }},
		{name: "rest: the generic rows decide (400 on a known route is not done)",
			enqueue:      rest(tasks.RestCall{Method: "POST", Path: "users", JSON: json.RawMessage(`{"username":"alice","password":"pw-123456"}`)}),
			wantOutcomes: []dispatcher.Outcome{dead}, wantRule: "4xx",
			check: func(t *testing.T, h *harness, id string) {
				rec, err := h.Store.Get(ctx, id)
				require.NoError(t, err)
				require.Equal(t, []string{"json.password"}, rec.Redacted, "the password is not kept")
				require.NotContains(t, string(rec.PayloadBytes()), "pw-123456")
			}},
		{name: "rest: an unknown route is the status page's invalid URL",
			enqueue:      rest(tasks.RestCall{Method: "POST", Path: "chatgroups/rs-1/announcement", JSON: json.RawMessage(`{"announcement":"x"}`)}),
			wantOutcomes: []dispatcher.Outcome{dead}, wantRule: "500-web-application"},
		{name: "rest: 503 is retried", prepare: func(h *harness) {
			h.Sandbox.SeedGroup("rs-2", "alice")
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointUpdateGroup, Match: "rs-2", Status: 503, Times: 1})
		}, enqueue: rest(tasks.RestCall{Method: "PUT", Path: "chatgroups/rs-2", JSON: json.RawMessage(`{"groupname":"x"}`)}),
			wantOutcomes: []dispatcher.Outcome{retry, delivered}, wantRule: "503"},
	}
}

// TestRestCall_cannotLeaveTheApp: payloads that would make a rest:call
// leave /{org}/{app}/ — written straight to asynq, past the producer's
// validation, as a foreign producer could — are dead-lettered as invalid
// without any provider call.
func TestRestCall_cannotLeaveTheApp(t *testing.T) {
	h := setup(t)
	client := asynq.NewClient(h.Opt)
	t.Cleanup(func() { _ = client.Close() })
	for _, path := range []string{
		"../other-app/users/alice", "chatgroups/../../other/app/users", "chatgroups/%2e%2e/users/alice",
		"chatgroups/a%2Fb", "%2F%2Fevil.example/x", "//evil.example/x", "https://evil.example/x",
		"users?x=1", "users#x", `users\..\token`, "token", "/org/app/users",
	} {
		t.Run(path, func(t *testing.T) {
			payload, err := json.Marshal(map[string]any{"method": "POST", "path": path, "json": map[string]string{"username": "x"}})
			require.NoError(t, err)
			info, err := client.Enqueue(asynq.NewTask(tasks.TypeRestCall, payload), asynq.Queue(tasks.QueueRest), asynq.MaxRetry(2))
			require.NoError(t, err)
			evs := h.Events.WaitFinal(t, info.ID)
			require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(evs))
			require.Equal(t, "invalid-payload", evs[0].Rule)
		})
	}
	calls := h.Sandbox.Stats().Calls
	delete(calls, sandbox.EndpointToken)
	require.Empty(t, calls, "no provider call was made")
}
