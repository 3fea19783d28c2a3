package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
	"github.com/chatq/chatq/tasks"
)

func TestParseExpiryDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    map[string]time.Duration
		wantErr string
	}{
		{name: "empty", in: ""},
		{name: "two types", in: "message:send:2h, group:create:30m",
			want: map[string]time.Duration{"message:send": 2 * time.Hour, "group:create": 30 * time.Minute}},
		{name: "unknown type", in: "message:2h", wantErr: `unknown task type "message"`},
		{name: "no duration", in: "message:send", wantErr: `unknown task type "message"`},
		{name: "negative", in: "message:send:-1s", wantErr: "must be a positive duration"},
		{name: "no colon", in: "2h", wantErr: `must be "<task type>:<duration>" pairs`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseExpiryDefaults(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestEnqueue_FileHonoursKeyAndTTL(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	line := `{"type":"message:send","key":"k1","ttl":"1h","payload":{"target":"users","to":["bob"],"type":"txt","body":{"msg":"hi"}}}`
	code, stdout, stderr := run(t, line+"\n"+line+"\n", "enqueue", "-f", "-")
	require.Equal(t, ExitOK, code, stderr)
	require.NotContains(t, stderr, "warning")
	ids := strings.Fields(stdout)
	require.Len(t, ids, 2)
	require.Equal(t, ids[0], ids[1], "same key, same task")
	insp := asynq.NewInspector(db.Opt)
	defer insp.Close()
	pending, err := insp.ListPendingTasks(tasks.QueueMessages)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	_, ok, err := tasks.Deadline(pending[0].Headers)
	require.NoError(t, err)
	require.True(t, ok, "ttl became a deadline")

	code, _, stderr = run(t, strings.Replace(line, `"1h"`, `"soon"`, 1), "enqueue", "-f", "-")
	require.Equal(t, ExitFailure, code)
	require.Contains(t, stderr, `field "ttl"`)
}

func TestEnqueue_OrderFlags(t *testing.T) {
	db := redistest.New(t)
	t.Setenv("CHATQ_REDIS_URL", db.URL)
	for i := range 2 {
		code, _, stderr := run(t, "", "enqueue", "message", "--from", "alice", "--to", "bob", "--text", "hi "+string(rune('a'+i)), "--ordered")
		require.Equal(t, ExitOK, code, stderr)
	}
	insp := asynq.NewInspector(db.Opt)
	defer insp.Close()
	pending, err := insp.ListPendingTasks(tasks.QueueMessages)
	require.NoError(t, err)
	require.Len(t, pending, 1, "only the conversation's head is in asynq")
	require.Equal(t, "users:alice:bob", pending[0].Headers[tasks.HeaderOrderKey])

	code, _, stderr := run(t, "", "enqueue", "message", "--to", "bob", "--text", "x", "--ordered", "--order-key", "k")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "--order-key and --ordered: give at most one")
	code, _, stderr = run(t, "", "enqueue", "message", "--to", "bob,carol", "--text", "x", "--ordered")
	require.Equal(t, ExitUsage, code, "a payload the flags cannot order, like a bad payload field")
	require.Contains(t, stderr, "exactly one recipient")
}
