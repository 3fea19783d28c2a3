package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// TestEnqueue_WritesSubcommands: each flag form builds the payload its
// flags name, in its type's queue; only the flags given are sent.
func TestEnqueue_WritesSubcommands(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	conn, err := asynq.ParseRedisURI(db.URL)
	require.NoError(t, err)
	insp := asynq.NewInspector(conn)
	t.Cleanup(func() { _ = insp.Close() })

	cases := []struct {
		args        []string
		wantQueue   string
		wantPayload string
	}{
		{args: []string{"enqueue", "message-recall", "--msg-id", "1028442084794698104", "--to", "bob", "--from", "alice",
			"--force", "--sent-at", "2026-12-03T22:00:00Z"}, wantQueue: "messages",
			wantPayload: `{"msg_id":"1028442084794698104","to":"bob","chat_type":"chat","from":"alice","force":true,"sent_at":"2026-12-03T22:00:00Z"}`},
		{args: []string{"enqueue", "group-update", "--group-id", "123", "--groupname", "Team 2", "--maxusers", "300", "--public=false"},
			wantQueue:   "groups",
			wantPayload: `{"group_id":"123","groupname":"Team 2","maxusers":300,"public":false}`},
		{args: []string{"enqueue", "rest-call", "--method", "PUT", "--path", "chatgroups/123", "--json", `{"description":"d"}`},
			wantQueue: "rest", wantPayload: `{"method":"PUT","path":"chatgroups/123","json":{"description":"d"}}`},
		{args: []string{"enqueue", "rest-call", "--method", "PUT", "--path", "metadata/user/alice", "--form", "nickname=Al,city=Paris"},
			wantQueue: "rest", wantPayload: `{"method":"PUT","path":"metadata/user/alice","form":{"city":"Paris","nickname":"Al"}}`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[1:2], " "), func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			require.Equal(t, ExitOK, code, stderr)
			id := strings.TrimSpace(stdout)
			info, err := insp.GetTaskInfo(tc.wantQueue, id)
			require.NoError(t, err, "task %s in queue %s", id, tc.wantQueue)
			require.JSONEq(t, tc.wantPayload, string(info.Payload))
		})
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"enqueue", "message-recall", "--msg-id", "1", "--to", "bob", "--chat-type", "group_chat"}, `field "chat_type"`},
		{[]string{"enqueue", "message-recall", "--msg-id", "1", "--to", "bob", "--sent-at", "yesterday"}, "--sent-at"},
		{[]string{"enqueue", "group-update", "--group-id", "123"}, "at least one"},
		{[]string{"enqueue", "rest-call", "--method", "POST", "--path", "../other/users"}, `field "path"`},
		{[]string{"enqueue", "rest-call", "--method", "POST", "--path", "users", "--json", "{}", "--form", "a=b"}, `field "form"`},
	}
	for _, tc := range bad {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			code, _, stderr := run(t, "", tc.args...)
			require.Equal(t, ExitUsage, code, stderr)
			require.Contains(t, stderr, tc.want)
		})
	}
}

func TestWorkerConfig_RecallWindow(t *testing.T) {
	t.Parallel()
	require.Equal(t, time.Duration(-1), workerConfig(Config{RecallWindow: 0}).RecallWindow, "0 turns the check off")
	require.Equal(t, 5*time.Minute, workerConfig(Config{RecallWindow: 5 * time.Minute}).RecallWindow)
}
