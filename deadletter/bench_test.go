package deadletter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/internal/redistest"
)

// BenchmarkStore_ListFiltered100k pages through 100,000 dead letters with a
// filter that matches a quarter of them (README "Dead letters" quotes it).
func BenchmarkStore_ListFiltered100k(b *testing.B) {
	db := redistest.New(b)
	store := deadletter.New(db.Client, deadletter.Config{})
	ctx := context.Background()
	const n = 100_000
	batch := make([]deadletter.Record, 0, 1000)
	for i := range n {
		r := retryable(i)
		if i%4 == 0 {
			r = deadForGood(i)
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			require.NoError(b, store.PutMany(ctx, batch))
			batch = batch[:0]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		recs, err := store.List(ctx, deadletter.Filter{Rule: "404-user-not-found"})
		require.NoError(b, err)
		require.Len(b, recs, n/4)
	}
}
