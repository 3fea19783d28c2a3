package cli

import (
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// TestEnqueue_UserSubcommands: each user-management subcommand enqueues
// the payload its flags name on the users queue; a duration not given is
// left out (0 would unmute), and validation errors name the field.
func TestEnqueue_UserSubcommands(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	insp := asynq.NewInspector(db.Opt)
	t.Cleanup(func() { _ = insp.Close() })
	cases := []struct {
		args        []string
		wantType    string
		wantPayload string // canonical JSON; "" when failing
		wantErr     string // in stderr when failing
	}{
		{args: []string{"user-delete", "--username", "alice"}, wantType: "user:delete", wantPayload: `{"username":"alice"}`},
		{args: []string{"user-deactivate", "--username", "alice"}, wantType: "user:deactivate", wantPayload: `{"username":"alice"}`},
		{args: []string{"user-activate", "--username", "alice"}, wantType: "user:activate", wantPayload: `{"username":"alice"}`},
		{args: []string{"user-disconnect", "--username", "alice"}, wantType: "user:disconnect", wantPayload: `{"username":"alice"}`},
		{args: []string{"user-mute", "--username", "alice", "--chat", "0", "--chatroom", "-1"}, wantType: "user:mute",
			wantPayload: `{"username":"alice","chat":0,"chatroom":-1}`},
		{args: []string{"user-metadata-set", "--username", "alice", "--metadata", "nickname=Ann,gender=2", "--metadata", `"ext=a,b"`},
			wantType: "user:metadata:set", wantPayload: `{"username":"alice","metadata":{"ext":"a,b","gender":"2","nickname":"Ann"}}`},
		{args: []string{"user-delete"}, wantErr: `user:delete: field "username": is required`},
		{args: []string{"user-mute", "--username", "alice"}, wantErr: `field "chat": one of chat, groupchat and chatroom is required`},
		{args: []string{"user-mute", "--username", "alice", "--groupchat", "-2"}, wantErr: `field "groupchat": must be -1 (for ever)`},
		{args: []string{"user-metadata-set", "--username", "alice", "--metadata", "gender=x"}, wantErr: `field "metadata.gender"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"enqueue"}, tc.args...)...)
			if tc.wantErr != "" {
				require.Equal(t, ExitUsage, code, stderr)
				require.Contains(t, stderr, tc.wantErr)
				return
			}
			require.Equal(t, ExitOK, code, stderr)
			ids := strings.Fields(stdout)
			require.Len(t, ids, 1, "one task id")
			info, err := insp.GetTaskInfo("users", ids[0])
			require.NoError(t, err)
			require.Equal(t, tc.wantType, info.Type)
			require.JSONEq(t, tc.wantPayload, string(info.Payload))
		})
	}
}

// TestPolicy_ExplainKnowsTheUserTypes: the rows of the user-management
// types decide their answers in `chatq policy explain`.
func TestPolicy_ExplainKnowsTheUserTypes(t *testing.T) {
	cases := []struct {
		args     []string
		wantRule string
	}{
		{[]string{"--status", "404", "--code", "service_resource_not_found", "--message", "Service resource not found", "--type", "user:delete"}, "404-user-already-deleted"},
		{[]string{"--status", "200", "--code", "result_false", "--type", "user:disconnect"}, "200-disconnect-offline"},
		{[]string{"--status", "200", "--code", "activated_true", "--type", "user:deactivate"}, "200-deactivate-refused"},
		{[]string{"--status", "403", "--code", "forbidden_op", "--message", "user_mute is not used for this app", "--type", "user:mute"}, "403-user-mute-not-enabled"},
	}
	for _, tc := range cases {
		t.Run(tc.wantRule, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"policy", "explain"}, tc.args...)...)
			require.Equal(t, ExitOK, code, stderr)
			require.Contains(t, stdout, "rule:     "+tc.wantRule+" [")
		})
	}
}

// TestEnqueue_UserLines: JSON lines of the user-management types go
// through tasks.Decode like any other: strict fields, the users queue.
func TestEnqueue_UserLines(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	lines := `{"type":"user:mute","payload":{"username":"alice","chatroom":-1}}
{"type":"user:metadata:set","payload":{"username":"alice","metadata":{"sign":"hi"}}}
`
	code, stdout, stderr := run(t, lines, "enqueue", "-f", "-")
	require.Equal(t, ExitOK, code, stderr)
	ids := strings.Fields(stdout)
	require.Len(t, ids, 2)
	insp := asynq.NewInspector(db.Opt)
	t.Cleanup(func() { _ = insp.Close() })
	for i, want := range []string{"user:mute", "user:metadata:set"} {
		info, err := insp.GetTaskInfo("users", ids[i])
		require.NoError(t, err)
		require.Equal(t, want, info.Type)
	}

	code, _, stderr = run(t, `{"type":"user:delete","payload":{"username":"alice","hard":true}}`+"\n", "enqueue", "-f", "-")
	require.Equal(t, ExitFailure, code, stderr)
	require.Contains(t, stderr, `field "hard": unknown field`)
}
