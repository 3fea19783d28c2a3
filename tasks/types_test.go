package tasks

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTypes(t *testing.T) {
	t.Parallel()

	want := []string{
		"group:create", "group:delete", "group:members:add", "group:members:remove",
		"group:owner:transfer", "group:update", "message:recall", "message:send", "rest:call", "user:register",
	}
	require.Equal(t, want, Types())

	got := Types()
	got[0] = "changed"
	require.Equal(t, want, Types(), "the caller must own the returned slice")
}

func TestQueueFor(t *testing.T) {
	t.Parallel()

	tests := []struct {
		taskType string
		want     string
	}{
		{TypeSendMessage, QueueMessages},
		{TypeRegisterUser, QueueUsers},
		{TypeCreateGroup, QueueGroups},
		{TypeDeleteGroup, QueueGroups},
		{TypeAddGroupMembers, QueueGroups},
		{TypeRemoveGroupMembers, QueueGroups},
		{TypeTransferGroupOwner, QueueGroups},
		{TypeRecallMessage, QueueMessages},
		{TypeUpdateGroup, QueueGroups},
		{TypeRestCall, QueueRest},
		{"", ""},
		{"message:sent", ""},
	}
	for _, tt := range tests {
		t.Run(tt.taskType, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, QueueFor(tt.taskType))
		})
	}
}

// TestRegister pins what register promises: every registered type decodes
// to a payload that names that type, and registering a type twice panics.
func TestRegister(t *testing.T) {
	t.Parallel()
	for _, typ := range Types() {
		p, err := kinds[typ].decode([]byte(`{}`), Limits{})
		var ve *ValidationError
		if err != nil {
			require.ErrorAs(t, err, &ve, typ)
			require.Equal(t, typ, ve.Type, "the decoder of %s validates as %s", typ, ve.Type)
			continue
		}
		require.Equal(t, typ, p.TaskType())
	}
	require.PanicsWithValue(t,
		`tasks: register tasks.SendMessage: type "message:send" registered twice, empty, or without a queue`,
		func() { register[SendMessage](QueueMessages) })
}

func TestBatch_Subset(t *testing.T) {
	t.Parallel()
	keepB := func(s string) bool { return s == "b" }
	tests := []struct {
		name      string
		batch     Batch
		wantItems []string
		wantKept  Batch
	}{
		{name: "register users", batch: RegisterUsers{Users: users("a", "b", "c")},
			wantItems: []string{"a", "b", "c"}, wantKept: RegisterUsers{Users: users("b")}},
		{name: "add members", batch: AddGroupMembers{GroupID: "g", Usernames: []string{"a", "b", "c"}},
			wantItems: []string{"a", "b", "c"}, wantKept: AddGroupMembers{GroupID: "g", Usernames: []string{"b"}}},
		{name: "remove members", batch: RemoveGroupMembers{GroupID: "g", Usernames: []string{"a", "b", "c"}},
			wantItems: []string{"a", "b", "c"}, wantKept: RemoveGroupMembers{GroupID: "g", Usernames: []string{"b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.wantItems, tt.batch.Items())
			require.Equal(t, tt.wantKept, tt.batch.Subset(keepB))
			require.Equal(t, tt.wantItems, tt.batch.Items(), "Subset must leave its receiver alone")
			require.Empty(t, tt.batch.Subset(func(string) bool { return false }).Items())
		})
	}
}

func TestNewTask(t *testing.T) {
	t.Parallel()
	task, err := NewTask(DeleteGroup{GroupID: "g1"}, Queue("q"))
	require.NoError(t, err)
	require.Equal(t, TypeDeleteGroup, task.Type())
	require.JSONEq(t, `{"group_id":"g1"}`, string(task.Payload()))

	_, err = NewTask(DeleteGroup{})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "group_id", ve.Field)

	b, err := Encode(SendMessage{Target: "users", To: []string{"a"}, Type: "txt", Body: []byte(`{"msg":"<b>"}`)})
	require.NoError(t, err)
	require.Equal(t, `{"target":"users","to":["a"],"type":"txt","body":{"msg":"<b>"}}`, string(b), "no HTML escaping")
}

func TestQueues_everyDefaultQueueOnce(t *testing.T) {
	t.Parallel()
	got := Queues()
	require.True(t, slices.IsSorted(got), "sorted: %v", got)
	require.Equal(t, slices.Compact(slices.Clone(got)), got, "no repeats")
	for _, typ := range Types() {
		require.Contains(t, got, QueueFor(typ), typ)
	}
	require.Subset(t, got, []string{QueueMessages, QueueUsers, QueueGroups})
}
