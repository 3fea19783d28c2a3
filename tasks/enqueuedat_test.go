package tasks_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
)

func TestEnqueuedAt(t *testing.T) {
	t.Parallel()
	before := time.Now().Add(-time.Millisecond)
	task, err := tasks.NewSendMessageTask(tasks.SendMessage{Target: "users", To: []string{"bob"}, Type: "txt",
		Body: json.RawMessage(`{"msg":"hi"}`)})
	require.NoError(t, err)
	at, ok := tasks.EnqueuedAt(task)
	require.True(t, ok, "headers %v", task.Headers())
	require.False(t, at.Before(before.Truncate(time.Millisecond)), "enqueued at %s, before %s", at, before)
	require.False(t, at.After(time.Now()))

	tests := []struct {
		name    string
		headers map[string]string
		wantOK  bool
	}{
		{name: "none"},
		{name: "garbage", headers: map[string]string{tasks.HeaderEnqueuedAt: "yesterday"}},
		{name: "negative", headers: map[string]string{tasks.HeaderEnqueuedAt: "-5"}},
		{name: "valid", headers: map[string]string{tasks.HeaderEnqueuedAt: "1700000000000"}, wantOK: true},
	}
	for _, tt := range tests {
		_, ok := tasks.EnqueuedAt(asynq.NewTaskWithHeaders("message:send", nil, tt.headers))
		require.Equal(t, tt.wantOK, ok, tt.name)
	}
}
