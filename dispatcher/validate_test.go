package dispatcher_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
)

// TestNew_ErrorsInAStableOrder: New reports every bad field, in the same
// order on every run (map iteration order is random; ten runs of a map
// with several bad entries would differ).
func TestNew_ErrorsInAStableOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		cfg     dispatcher.Config
		wantErr string
	}{
		{
			name:    "missing deps",
			wantErr: "dispatcher: deps: field Redis: required\nfield RDB: required\nfield API: required\nfield Tokens: required\nfield Policy: required\nfield DeadLetters: required",
		},
		{
			name: "bad queues and durations",
			cfg:  dispatcher.Config{Queues: map[string]int{"c": 0, "a": -1, "b": 0}, PollInterval: -1, DeferMaxAge: -time.Second},
			wantErr: "dispatcher: config: field Queues[\"a\"]: weight must be at least 1, got -1\n" +
				"field Queues[\"b\"]: weight must be at least 1, got 0\nfield Queues[\"c\"]: weight must be at least 1, got 0\n" +
				"field PollInterval: must not be negative, got -1ns\nfield DeferMaxAge: must not be negative, got -1s",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for range 10 {
				_, err := dispatcher.New(tc.cfg, dispatcher.Deps{})
				require.EqualError(t, err, tc.wantErr)
			}
		})
	}
}
