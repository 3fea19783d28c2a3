package dispatcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// TestProviderState checks the cases the sandbox produces from its own
// state, with no fault injected: the provider's natural answer must meet
// the policy row written for it.
func TestProviderState(t *testing.T) {
	// The sandbox's limit is below the producer's (5120), so the provider
	// is the one that refuses the message.
	h := setup(t, func(o *e2etest.Options) { o.Sandbox.MaxMessageBytes = 4 * 1024 })
	h.Sandbox.SeedUsers("dave", "erin", "frank", "grace")
	h.Sandbox.SeedGroup("g-state", "dave", "erin", "frank")
	ctx := context.Background()
	big, _ := json.Marshal(map[string]string{"msg": strings.Repeat("x", 4500)})
	cases := []struct {
		name     string
		enqueue  func() (string, error)
		want     dispatcher.Outcome
		wantCode string
	}{
		{"register existing user", func() (string, error) {
			return h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "dave"}}})
		}, dispatcher.OutcomeDone, "duplicate_unique_property_exists"},
		{"batch register with an existing user", func() (string, error) {
			return h.Producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "dave"}, {Username: "newbie"}}})
		}, delivered, ""},
		{"add a member already in the group", func() (string, error) {
			return h.Producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: "g-state", Usernames: []string{"erin"}})
		}, dispatcher.OutcomeDone, "forbidden_op"},
		{"remove a non-member", func() (string, error) {
			return h.Producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: "g-state", Usernames: []string{"grace"}})
		}, dispatcher.OutcomeDone, "forbidden_op"},
		{"batch remove with a non-member", func() (string, error) {
			return h.Producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: "g-state", Usernames: []string{"frank", "grace"}})
		}, delivered, ""},
		{"transfer to the same owner", func() (string, error) {
			return h.Producer.TransferGroupOwner(ctx, tasks.TransferGroupOwner{GroupID: "g-state", NewOwner: "dave"})
		}, dispatcher.OutcomeDone, "forbidden_op"},
		{"transfer to a non-member", func() (string, error) {
			return h.Producer.TransferGroupOwner(ctx, tasks.TransferGroupOwner{GroupID: "g-state", NewOwner: "grace"})
		}, dead, "forbidden_op"},
		{"delete a group that is gone", func() (string, error) {
			return h.Producer.DeleteGroup(ctx, tasks.DeleteGroup{GroupID: "g-missing"})
		}, dispatcher.OutcomeDone, "service_resource_not_found"},
		{"add an unknown user", func() (string, error) {
			return h.Producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: "g-state", Usernames: []string{"nobody"}})
		}, dead, "resource_not_found"},
		{"message over the provider's size limit", func() (string, error) {
			return h.Producer.SendMessage(ctx, tasks.SendMessage{Target: "users", To: []string{"erin"}, Type: "txt", Body: big})
		}, dead, "illegal_argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.enqueue()
			require.NoError(t, err)
			evs := h.Events.WaitFinal(t, id)
			require.Equal(t, []dispatcher.Outcome{tc.want}, e2etest.Outcomes(evs))
			require.Equal(t, tc.wantCode, evs[0].Code)
		})
	}
	require.True(t, h.Sandbox.HasUser("newbie"), "the new user of the batch was registered")
	g, ok := h.Sandbox.Group("g-state")
	require.True(t, ok)
	require.NotContains(t, g.Members, "frank", "the member of the batch removal was removed")
}

// TestWorker_ShutdownLosesNothing stops a worker while calls are in flight
// and longer than the shutdown timeout allows; a second worker delivers
// every task that the first did not.
func TestWorker_ShutdownLosesNothing(t *testing.T) {
	t.Parallel()
	h := setup(t, func(o *e2etest.Options) {
		o.Worker.Concurrency = 5
		o.Worker.ShutdownTimeout = 200 * time.Millisecond
	})
	h.Sandbox.AddFault(sandbox.Fault{Endpoint: "send_message", Match: "slow-", Times: 5, Delay: sandbox.Duration(time.Second)})
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = h.Send(fmt.Sprintf("slow-%02d", i))
	}
	h.WaitCalls(t, "send_message", 5)
	h.Worker.Stop() // SIGTERM in chatq worker cancels the same context

	h.AddWorker(func(o *e2etest.Options) { o.Worker = e2etest.DefaultOptions().Worker })

	for _, id := range ids {
		evs := h.Events.WaitFinal(t, id)
		require.Equal(t, delivered, evs[len(evs)-1].Outcome)
	}
	got := map[string]bool{}
	for _, m := range h.Sandbox.Messages() {
		got[string(m.Body)] = true
	}
	for i := range ids {
		require.True(t, got[fmt.Sprintf(`{"msg":"slow-%02d"}`, i)], "message %d delivered", i)
	}
}
