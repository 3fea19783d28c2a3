package taskline

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
)

func TestLine_Options(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		line    Line
		wantN   int
		wantErr string
	}{
		{name: "none", line: Line{Type: tasks.TypeSendMessage}},
		{name: "all", line: Line{Type: tasks.TypeSendMessage, Key: "k", TTL: "2h"}, wantN: 2},
		{name: "expires at", line: Line{Type: tasks.TypeSendMessage, ExpiresAt: "2030-01-02T15:04:05Z"}, wantN: 1},
		{name: "both", line: Line{Type: tasks.TypeSendMessage, ExpiresAt: "2030-01-02T15:04:05Z", TTL: "1h"}, wantErr: `field "ttl": must not be set together`},
		{name: "bad ttl", line: Line{Type: tasks.TypeSendMessage, TTL: "soon"}, wantErr: `field "ttl": must be a positive duration`},
		{name: "bad expires at", line: Line{Type: tasks.TypeSendMessage, ExpiresAt: "2030-01-02"}, wantErr: `field "expires_at": must be an RFC 3339 time`},
		{name: "order key", line: Line{Type: tasks.TypeSendMessage, OrderKey: "chat-1"}, wantN: 1},
		{name: "ordered", line: Line{Type: tasks.TypeSendMessage, Ordered: true}, wantN: 1},
		{name: "order key and ordered", line: Line{Type: tasks.TypeSendMessage, OrderKey: "k", Ordered: true}, wantErr: `field "ordered": must not be set together with "order_key"`},
		{name: "bad order key", line: Line{Type: tasks.TypeSendMessage, OrderKey: "\xff"}, wantErr: `field "order_key": must be valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, err := tt.line.Options()
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, opts, tt.wantN)
		})
	}
}
