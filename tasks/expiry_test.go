package tasks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOptions_deadline(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	defaults := options{expiry: map[string]time.Duration{TypeSendMessage: 2 * time.Hour}}
	tests := []struct {
		name    string
		typ     string
		opts    []Option
		want    time.Time
		wantErr string
	}{
		{name: "none", typ: TypeDeleteGroup},
		{name: "type default", typ: TypeSendMessage, want: now.Add(2 * time.Hour)},
		{name: "ttl beats default", typ: TypeSendMessage, opts: []Option{TTL(time.Minute)}, want: now.Add(time.Minute)},
		{name: "expires at", typ: TypeSendMessage, opts: []Option{ExpiresAt(now.Add(time.Second))}, want: now.Add(time.Second)},
		{name: "last wins", typ: TypeSendMessage, opts: []Option{ExpiresAt(now.Add(time.Second)), TTL(time.Hour)}, want: now.Add(time.Hour)},
		{name: "past deadline", typ: TypeSendMessage, opts: []Option{ExpiresAt(now)}, wantErr: "has already passed"},
		{name: "bad ttl", typ: TypeSendMessage, opts: []Option{TTL(0)}, wantErr: "TTL: must be > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := defaults.resolve(tt.opts)
			if err == nil {
				var h map[string]string
				h, err = o.headers(tt.typ, now)
				if err == nil {
					got, ok, perr := Deadline(h)
					require.NoError(t, perr)
					require.Equal(t, !tt.want.IsZero(), ok)
					require.True(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
				}
			}
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestDeadline_malformed(t *testing.T) {
	t.Parallel()
	_, _, err := Deadline(map[string]string{HeaderExpiresAt: "tomorrow"})
	require.ErrorContains(t, err, "chatq-expires-at")
}

func TestNewSendMessageTask_carriesDeadline(t *testing.T) {
	t.Parallel()
	at := time.Now().Add(time.Hour).Round(0)
	task, err := NewSendMessageTask(validSendMessage(), ExpiresAt(at))
	require.NoError(t, err)
	got, ok, err := Deadline(task.Headers())
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, at.Equal(got))
}
