package tasks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTypes(t *testing.T) {
	t.Parallel()

	want := []string{
		"message:send", "user:register", "group:create", "group:delete",
		"group:members:add", "group:members:remove", "group:owner:transfer",
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
