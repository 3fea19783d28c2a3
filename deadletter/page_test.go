package deadletter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
)

func TestStore_PageOf(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// 1,100 records, five to a millisecond: page boundaries fall inside ties.
	const n = 1100
	recs := make([]deadletter.Record, n)
	for i := range recs {
		recs[i] = retryable(i)
		recs[i].LastFailure = base.Add(time.Duration(i/5) * time.Millisecond)
		if i%3 == 0 {
			recs[i] = deadForGood(i)
			recs[i].LastFailure = base.Add(time.Duration(i/5) * time.Millisecond)
		}
	}
	require.NoError(t, b.store.PutMany(ctx, recs))

	tests := []struct {
		name     string
		filter   deadletter.Filter
		size     int
		want     int
		wantPage int
	}{
		{name: "all", size: 50, want: n, wantPage: 22},
		{name: "by rule", filter: deadletter.Filter{Rule: "404-user-not-found"}, size: 101, want: 367, wantPage: 4},
		{name: "until", filter: deadletter.Filter{Until: base.Add(99 * time.Millisecond)}, size: 7, want: 500, wantPage: 72},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seen := map[string]bool{}
			var last deadletter.Record
			cursor, pages := "", 0
			for {
				p, err := b.store.PageOf(ctx, tc.filter, cursor, tc.size)
				require.NoError(t, err)
				pages++
				for _, r := range p.Records {
					require.True(t, tc.filter.Match(r), "%s does not match", r.TaskID)
					require.False(t, seen[r.TaskID], "%s on two pages", r.TaskID)
					seen[r.TaskID] = true
					if last.TaskID != "" {
						require.False(t, r.LastFailure.After(last.LastFailure), "newest first: %s after %s", r.TaskID, last.TaskID)
					}
					last = r
				}
				if p.Next == "" {
					break
				}
				require.Len(t, p.Records, tc.size, "only the last page is short")
				cursor = p.Next
			}
			require.Len(t, seen, tc.want)
			require.Equal(t, tc.wantPage, pages)
		})
	}

	_, err := b.store.PageOf(ctx, deadletter.Filter{}, "not-a-cursor", 10)
	var fe *deadletter.FilterError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "cursor", fe.Field)
}

func TestParseWhen(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{in: ""},
		{in: "2h", want: now.Add(-2 * time.Hour)},
		{in: "2026-01-02T15:04:05Z", want: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)},
		{in: "-2h", wantErr: `duration ago (24h), got "-2h"`},
		{in: "yesterday", wantErr: `RFC 3339 time`},
	}
	for _, tc := range tests {
		got, err := deadletter.ParseWhen(tc.in, now)
		if tc.wantErr != "" {
			require.ErrorContains(t, err, tc.wantErr)
			continue
		}
		require.NoError(t, err)
		require.True(t, tc.want.Equal(got), "%q: got %s, want %s", tc.in, got, tc.want)
	}
}
