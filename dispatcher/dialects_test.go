package dispatcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// refusedCase is a task whose first call the sandbox answers with a 200
// that says no (issue #12), and the row that must decide it.
type refusedCase struct {
	name     string
	fault    sandbox.Fault
	enqueue  func(h *harness) (string, error)
	wantRule string
	wantCode string
	check    func(t *testing.T, h *harness)
}

// TestRefusedAnswers drives each whole-task negative 200 through a real
// worker: the first answer says no, the row retries, the second call does
// it, and the sandbox's state shows the goal reached.
func TestRefusedAnswers(t *testing.T) {
	h := setup(t)
	h.Sandbox.SeedUsers("ro", "rm", "ru")
	ctx := context.Background()
	cases := []refusedCase{
		{name: "delete: success false", fault: sandbox.Fault{Endpoint: sandbox.EndpointDeleteGroup, Match: "rf-del", Refuse: true, Times: 1},
			enqueue: func(h *harness) (string, error) {
				h.Sandbox.SeedGroup("rf-del", "ro")
				return h.Producer.DeleteGroup(ctx, tasks.DeleteGroup{GroupID: "rf-del"})
			}, wantRule: "200-delete-refused", wantCode: agora.CodeSuccessFalse,
			check: func(t *testing.T, h *harness) {
				_, ok := h.Sandbox.Group("rf-del")
				require.False(t, ok, "deleted by the retry")
			}},
		{name: "transfer: newowner false", fault: sandbox.Fault{Endpoint: sandbox.EndpointTransferOwner, Match: "rf-own", Refuse: true, Times: 1},
			enqueue: func(h *harness) (string, error) {
				h.Sandbox.SeedGroup("rf-own", "ro", "rm")
				return h.Producer.TransferGroupOwner(ctx, tasks.TransferGroupOwner{GroupID: "rf-own", NewOwner: "rm"})
			}, wantRule: "200-transfer-refused", wantCode: agora.CodeNewOwnerFalse,
			check: func(t *testing.T, h *harness) {
				g, _ := h.Sandbox.Group("rf-own")
				require.Equal(t, "rm", g.Owner, "transferred by the retry")
			}},
		{name: "add one: result false", fault: sandbox.Fault{Endpoint: sandbox.EndpointAddMembers, Match: "rf-add", Refuse: true, Times: 1},
			enqueue: func(h *harness) (string, error) {
				h.Sandbox.SeedGroup("rf-add", "ro")
				return h.Producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: "rf-add", Usernames: []string{"ru"}})
			}, wantRule: "200-add-refused", wantCode: agora.CodeResultFalse,
			check: func(t *testing.T, h *harness) {
				g, _ := h.Sandbox.Group("rf-add")
				require.Equal(t, []string{"ru"}, g.Members, "added by the retry")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.fault.Validate())
			h.Sandbox.AddFault(tc.fault)
			id, err := tc.enqueue(h)
			require.NoError(t, err)
			evs := h.Events.WaitFinal(t, id)
			require.Equal(t, []dispatcher.Outcome{retry, dispatcher.OutcomeDelivered}, e2etest.Outcomes(evs))
			require.Equal(t, tc.wantRule, evs[0].Rule)
			require.Equal(t, 200, evs[0].Status)
			require.Equal(t, tc.wantCode, evs[0].Code)
			tc.check(t, h)
		})
	}
}

// TestRefusedBatchItems drives the per-user negative answers of batch
// calls: each unconfirmed user is decided by its own 200 row, none is
// reported done on the answer's silence, and the retries reach the goal.
func TestRefusedBatchItems(t *testing.T) {
	h := setup(t)
	h.Sandbox.SeedUsers("bo", "b1", "b2", "b3")
	ctx := context.Background()
	seen := map[string]bool{}
	// final waits for task id to end and returns its outcomes.
	final := func(t *testing.T, id string) []dispatcher.Outcome {
		t.Helper()
		seen[id] = true
		return e2etest.Outcomes(h.Events.WaitFinal(t, id))
	}
	// waitSplit waits for the task split off the last one and returns its
	// final event.
	waitSplit := func(t *testing.T) dispatcher.Event {
		t.Helper()
		ev := h.Events.WaitOtherFinal(t, func(id string) bool { return !seen[id] })
		seen[ev.TaskID] = true
		return ev
	}
	t.Run("add: left out of newmembers", func(t *testing.T) {
		h.Sandbox.SeedGroup("ri-add", "bo")
		h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointAddMembers, Match: "ri-add", ItemReasons: map[string]string{"b2": "x"}, Times: 1})
		id, err := h.Producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: "ri-add", Usernames: []string{"b1", "b2"}})
		require.NoError(t, err)
		require.Equal(t, []dispatcher.Outcome{delivered}, final(t, id))
		require.Contains(t, h.Logs.String(), `"items":["b2"],"action":"retry"`)
		require.Contains(t, h.Logs.String(), "(200 not_in_newmembers)")
		require.Equal(t, delivered, waitSplit(t).Outcome, "b2 added alone")
		g, _ := h.Sandbox.Group("ri-add")
		require.Equal(t, []string{"b1", "b2"}, g.Members)
	})
	t.Run("remove: not a member is done", func(t *testing.T) {
		h.Sandbox.SeedGroup("ri-rm1", "bo", "b1")
		id, err := h.Producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: "ri-rm1", Usernames: []string{"b1", "b3"}})
		require.NoError(t, err)
		require.Equal(t, []dispatcher.Outcome{delivered}, final(t, id))
		require.Contains(t, h.Logs.String(), `"item":"b3","rule":"200-remove-not-member"`)
	})
	t.Run("remove: the owner is dead-lettered", func(t *testing.T) {
		h.Sandbox.SeedGroup("ri-rm2", "bo", "b1")
		id, err := h.Producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: "ri-rm2", Usernames: []string{"b1", "bo"}})
		require.NoError(t, err)
		require.Equal(t, []dispatcher.Outcome{delivered}, final(t, id))
		seen[id+":items:1"] = true // the dead letter's own event
		rec, err := h.Store.Get(ctx, id+":items:1")
		require.NoError(t, err)
		require.Equal(t, "200-remove-owner", rec.Rule)
		require.Equal(t, []string{"bo"}, rec.Items)
		require.Equal(t, agora.CodeResultFalse, rec.Code)
	})
	t.Run("remove: result false is retried", func(t *testing.T) {
		h.Sandbox.SeedGroup("ri-rm3", "bo", "b1", "b2")
		h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRemoveMembers, Match: "ri-rm3", ItemReasons: map[string]string{"b1": "try later"}, Times: 1})
		id, err := h.Producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: "ri-rm3", Usernames: []string{"b1", "b2"}})
		require.NoError(t, err)
		require.Equal(t, []dispatcher.Outcome{delivered}, final(t, id))
		require.Contains(t, h.Logs.String(), "member not removed (result false) (200 result_false)")
		require.Equal(t, delivered, waitSplit(t).Outcome, "b1 removed alone")
		g, _ := h.Sandbox.Group("ri-rm3")
		require.Empty(t, g.Members)
	})
	t.Run("remove: a row for another user leaves ours without a result", func(t *testing.T) {
		h.Sandbox.SeedGroup("ri-rm4", "bo", "b1", "b2")
		body := `{"action":"delete","data":[{"result":true,"user":"b1"},{"result":true,"user":"zz"}]}`
		h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointRemoveMembers, Match: "ri-rm4", Status: 200, RawBody: &body, Times: 1})
		id, err := h.Producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: "ri-rm4", Usernames: []string{"b1", "b2"}})
		require.NoError(t, err)
		require.Equal(t, []dispatcher.Outcome{delivered}, final(t, id))
		require.Contains(t, h.Logs.String(), `"items":["b2"],"action":"retry"`)
		require.Contains(t, h.Logs.String(), "(200 no_result)")
		require.NotContains(t, h.Logs.String(), `"zz"`, "an unrequested user is never reported")
		require.Equal(t, delivered, waitSplit(t).Outcome, "b2 removed alone")
		g, _ := h.Sandbox.Group("ri-rm4")
		require.Equal(t, []string{"b1"}, g.Members, "b1 was only said removed by the fault")
	})
}

// dialectRows are the answers only the easemob dialect gives, injected as
// faults and decided like the documented rows.
var dialectRows = []docRow{
	{400, "illegal_argument", "group must contain public field!", tasks.TypeCreateGroup, dead},
	{400, "illegal_argument", "group ID 123456789012345678 already exists!", tasks.TypeCreateGroup, done},
	{400, "message_send_error", "message is too large", "", dead},
}

// TestDialectRows checks the rows of easemob's answers, and that its
// numeric error_code reaches the dead-letter record.
func TestDialectRows(t *testing.T) {
	h := setup(t, e2etest.WithDialect(agora.DialectEasemob))
	for i, row := range dialectRows {
		t.Run(row.message, func(t *testing.T) {
			t.Parallel()
			marker := fmt.Sprintf("drow%03dx", i)
			h.Sandbox.AddFault(sandbox.Fault{Match: marker, Times: 1, Status: row.status, Code: row.code, Message: row.message, ErrorCode: 14000 + i})
			id := h.enqueueRow(t, row, marker)
			evs := h.Events.WaitFinal(t, id)
			h.assertRowOutcome(t, row, id, evs)
			if row.want == dead {
				rec, err := h.Store.Get(context.Background(), id)
				require.NoError(t, err)
				require.Equal(t, 14000+i, rec.ErrorCode, "easemob's error_code kept")
				require.Contains(t, h.Logs.String(), fmt.Sprintf(`"error_code":%d`, 14000+i))
			}
		})
	}
}

// TestDialects_EndToEnd runs the same work against a sandbox of each
// dialect, as strict as its provider: everything chatq sends is accepted.
func TestDialects_EndToEnd(t *testing.T) {
	for _, d := range []agora.Dialect{agora.DialectAgora, agora.DialectEasemob} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			h := setup(t, e2etest.WithDialect(d))
			ctx := context.Background()
			h.Sandbox.SeedUsers("owner")
			finish := func(id string, err error) []dispatcher.Event {
				t.Helper()
				require.NoError(t, err)
				return h.Events.WaitFinal(t, id)
			}
			evs := finish(h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "dd1", Password: "pw-dd1", Nickname: "One"}}}))
			require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(evs))

			id, err := h.Producer.CreateGroup(ctx, tasks.CreateGroup{GroupName: "dd-team", Owner: "owner", Members: []string{"dd1"}})
			require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(finish(id, err)), "public is always sent")
			groups := h.Sandbox.GroupsNamed("dd-team")
			require.Len(t, groups, 1)
			if d == agora.DialectEasemob {
				require.Equal(t, agora.DerivedGroupID(id), groups[0].ID, "the group id derives from the task")
			}

			yes := true
			evs = finish(h.Producer.SendMessage(ctx, tasks.SendMessage{Target: "chatgroups", To: []string{groups[0].ID}, Type: "loc",
				Body: json.RawMessage(`{"lat":39.96,"lng":116.3,"addr":"here"}`), NeedGroupAck: &yes, RoamIgnoreUsers: []string{"dd1"}}))
			require.Equal(t, []dispatcher.Outcome{delivered}, e2etest.Outcomes(evs))
			msgs := h.Sandbox.Messages()
			require.JSONEq(t, `{"addr":"here","lat":"39.96","lng":"116.3"}`, string(msgs[len(msgs)-1].Body), "coordinates as strings")
		})
	}
}

// TestDialects_RetriedCreate: a create whose answer is lost (the sandbox
// creates the group, then drops the connection) is retried. Under easemob
// the retry asks for the same derived id and is done; under agora, with no
// custom id, it makes a second group, as the README says.
func TestDialects_RetriedCreate(t *testing.T) {
	tests := []struct {
		dialect    agora.Dialect
		want       []dispatcher.Outcome
		wantRule   string
		wantGroups int
	}{
		{agora.DialectEasemob, []dispatcher.Outcome{retry, done}, "400-group-id-exists", 1},
		{agora.DialectAgora, []dispatcher.Outcome{retry, delivered}, "", 2},
	}
	for _, tt := range tests {
		t.Run(string(tt.dialect), func(t *testing.T) {
			t.Parallel()
			h := setup(t, e2etest.WithDialect(tt.dialect))
			h.Sandbox.SeedUsers("owner")
			h.Sandbox.AddFault(sandbox.Fault{Endpoint: sandbox.EndpointCreateGroup, DropAfter: true, Times: 1})
			id, err := h.Producer.CreateGroup(context.Background(), tasks.CreateGroup{GroupName: "lost-answer", Owner: "owner"})
			require.NoError(t, err)
			evs := h.Events.WaitFinal(t, id)
			require.Equal(t, tt.want, e2etest.Outcomes(evs))
			require.Equal(t, tt.wantRule, evs[len(evs)-1].Rule)
			require.Len(t, h.Sandbox.GroupsNamed("lost-answer"), tt.wantGroups)
		})
	}
}

// TestDialects_PasswordNeverKept: under easemob a register without a
// password is refused by the worker's validation (no call), and a dead
// letter of one with a password keeps no trace of it, nor do the logs.
func TestDialects_PasswordNeverKept(t *testing.T) {
	h := setup(t, e2etest.WithDialect(agora.DialectEasemob))
	ctx := context.Background()

	// A producer that does not know the dialect lets it through.
	id, err := h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "nopw"}}})
	require.NoError(t, err)
	evs := h.Events.WaitFinal(t, id)
	require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(evs))
	require.Equal(t, "invalid-payload", evs[0].Rule)
	require.Zero(t, h.Sandbox.Stats().Calls[sandbox.EndpointRegisterUser], "refused before any call")

	const secret = "s3cret-pw-77"
	h.Sandbox.AddFault(sandbox.Fault{Match: "pwuser", Status: 403, Code: "forbidden_op", Message: "no"})
	id, err = h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "pwuser", Password: secret}}})
	require.NoError(t, err)
	require.Equal(t, []dispatcher.Outcome{dead}, e2etest.Outcomes(h.Events.WaitFinal(t, id)))
	rec, err := h.Store.Get(ctx, id)
	require.NoError(t, err)
	require.NotContains(t, string(rec.PayloadBytes()), secret)
	require.JSONEq(t, `{"users":[{"username":"pwuser"}]}`, string(rec.Payload))
	require.Equal(t, []string{"users[0].password"}, rec.Redacted)
	require.False(t, strings.Contains(h.Logs.String(), secret), "password in the logs")
}
