package dispatcher

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
)

func TestRecallStart(t *testing.T) {
	t.Parallel()
	enqueued := time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)
	sent := enqueued.Add(-time.Minute)
	yes, no := true, false
	tests := []struct {
		name string
		p    tasks.Payload
		r    run
		want time.Time
	}{
		{name: "sent_at wins", p: tasks.RecallMessage{SentAt: &sent}, r: run{enqueuedAt: enqueued}, want: sent},
		{name: "else the enqueue time", p: tasks.RecallMessage{}, r: run{enqueuedAt: enqueued}, want: enqueued},
		{name: "force false is checked", p: tasks.RecallMessage{Force: &no}, r: run{enqueuedAt: enqueued}, want: enqueued},
		{name: "forced: no window", p: tasks.RecallMessage{Force: &yes, SentAt: &sent}, r: run{enqueuedAt: enqueued}},
		{name: "a foreign producer's task: no time known", p: tasks.RecallMessage{}},
		{name: "not a recall", p: tasks.DeleteGroup{GroupID: "g"}, r: run{enqueuedAt: enqueued}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, recallStart(tt.p, tt.r))
		})
	}
}
