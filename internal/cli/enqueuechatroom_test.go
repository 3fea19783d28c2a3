package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

func TestEnqueue_ChatroomSubcommands(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	insp := asynq.NewInspector(db.Opt)
	t.Cleanup(func() { _ = insp.Close() })
	cases := []struct {
		args        []string
		wantCode    int
		wantPayload string // the enqueued payload when it succeeds
		want        string // in stderr when it fails
	}{
		{args: []string{"enqueue", "chatroom-create", "--name", "live", "--description", "d", "--maxusers", "300", "--owner", "alice", "--members", "bob,carol"},
			wantPayload: `{"name":"live","description":"d","maxusers":300,"owner":"alice","members":["bob","carol"]}`},
		{args: []string{"enqueue", "chatroom-delete", "--chatroom-id", "262144"}, wantPayload: `{"chatroom_id":"262144"}`},
		{args: []string{"enqueue", "chatroom-members-add", "--chatroom-id", "262144", "--usernames", "bob"},
			wantPayload: `{"chatroom_id":"262144","usernames":["bob"]}`},
		{args: []string{"enqueue", "chatroom-members-remove", "--chatroom-id", "262144", "--usernames", "bob,carol"},
			wantPayload: `{"chatroom_id":"262144","usernames":["bob","carol"]}`},
		{args: []string{"enqueue", "chatroom-create", "--name", "live", "--owner", "alice"}, wantCode: ExitUsage, want: `field "description"`},
		{args: []string{"enqueue", "chatroom-members-add", "--chatroom-id", "a/b", "--usernames", "bob"}, wantCode: ExitUsage, want: `field "chatroom_id"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			require.Equal(t, tc.wantCode, code, stderr)
			if tc.wantCode != ExitOK {
				require.Contains(t, stderr, tc.want)
				return
			}
			info, err := insp.GetTaskInfo(tasks.QueueGroups, strings.TrimSpace(stdout))
			require.NoError(t, err)
			require.Equal(t, tc.args[1], "chatroom-"+strings.TrimPrefix(strings.ReplaceAll(info.Type, ":", "-"), "chatroom-"))
			require.JSONEq(t, tc.wantPayload, string(json.RawMessage(info.Payload)))
		})
	}
}

func TestPolicy_ExplainKnowsChatrooms(t *testing.T) {
	code, stdout, stderr := run(t, "", "policy", "explain", "--status", "404", "--code", "service_resource_not_found",
		"--message", "Service resource not found.", "--type", tasks.TypeDeleteChatroom)
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, "decision: done: chat room already gone")
	require.Contains(t, stdout, "404-room-already-gone")
}
