package deadletter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
)

func TestStore_ListFilters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	other := retryable(3)
	other.Type, other.Queue = "user:register", "users"
	other.SetPayload([]byte(`{"users":[{"username":"zed"}]}`))
	b.put(t, retryable(1), deadForGood(2), other)

	tests := []struct {
		name    string
		filter  deadletter.Filter
		wantIDs []string
	}{
		{"all", deadletter.Filter{}, []string{"task-000003", "task-000002", "task-000001"}},
		{"type", deadletter.Filter{Type: "user:register"}, []string{"task-000003"}},
		{"queue", deadletter.Filter{Queue: "messages"}, []string{"task-000002", "task-000001"}},
		{"status", deadletter.Filter{Status: "404"}, []string{"task-000002"}},
		{"status class", deadletter.Filter{Status: "5xx"}, []string{"task-000003", "task-000001"}},
		{"code", deadletter.Filter{Code: "resource_not_found"}, []string{"task-000002"}},
		{"rule", deadletter.Filter{Rule: "503"}, []string{"task-000003", "task-000001"}},
		{"contains payload", deadletter.Filter{Contains: "zed"}, []string{"task-000003"}},
		{"contains description", deadletter.Filter{Contains: "doesn't exist"}, []string{"task-000002"}},
		{"since", deadletter.Filter{Since: base.Add(2 * time.Millisecond)}, []string{"task-000003", "task-000002"}},
		{"until", deadletter.Filter{Until: base.Add(1 * time.Millisecond)}, []string{"task-000001"}},
		{"ids", deadletter.Filter{IDs: []string{"task-000001", "task-000002"}}, []string{"task-000001", "task-000002"}}, // unknown ids: ids_test.go
		{"limit", deadletter.Filter{Limit: 1}, []string{"task-000003"}},
		{"resolved", deadletter.Filter{State: deadletter.StateResolved}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := b.store.List(ctx, tt.filter)
			require.NoError(t, err)
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.TaskID)
			}
			require.Equal(t, tt.wantIDs, ids)
		})
	}
}

func TestFilter_Validate(t *testing.T) {
	t.Parallel()
	for _, f := range []deadletter.Filter{{Status: "40"}, {Status: "abc"}, {State: "closed"}, {Limit: -1},
		{Since: base, Until: base.Add(-time.Second)}} {
		var fe *deadletter.FilterError
		require.ErrorAs(t, f.Validate(), &fe, "filter %+v", f)
	}
	require.NoError(t, deadletter.Filter{Status: "4xx", State: deadletter.StateOpen}.Validate())
}

func TestStore_PutKeepsNoDerivedState(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	r := retryable(1)
	r.State = deadletter.StateResolved
	require.NoError(t, b.store.Put(ctx, r))
	got, err := b.store.Get(ctx, r.TaskID)
	require.NoError(t, err)
	require.Equal(t, deadletter.StateOpen, got.State, "state comes from the resolution set, not the record")
	_, err = b.store.Get(ctx, "nope")
	require.ErrorIs(t, err, deadletter.ErrNotFound)
}
