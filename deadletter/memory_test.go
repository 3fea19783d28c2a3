package deadletter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
)

// TestStore_MemoryPerRecord measures what one dead letter costs in Redis
// (README "Dead letters" quotes it): MEMORY USAGE of sample records plus the
// record's share of the index. Run with -v to see the numbers.
func TestStore_MemoryPerRecord(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const n = 2_000
	recs := make([]deadletter.Record, n)
	for i := range recs {
		recs[i] = deadForGood(i)
	}
	b.put(t, recs...)
	var recordBytes int64
	const sample = 50
	for i := 0; i < n; i += n / sample {
		used, err := b.db.Client.MemoryUsage(ctx, "{chatq}:dl:"+recs[i].TaskID).Result()
		if err != nil {
			t.Skipf("MEMORY USAGE unsupported here (miniredis?): %v", err)
		}
		recordBytes += used
	}
	index, err := b.db.Client.MemoryUsage(ctx, "{chatq}:dl:index", 0).Result()
	require.NoError(t, err)
	perRecord, perIndex := recordBytes/sample, index/n
	payload := len(recs[0].PayloadBytes())
	t.Logf("per dead letter: record key %d B + index entry %d B = %d B (payload %d B); 100,000 ≈ %.1f MiB",
		perRecord, perIndex, perRecord+perIndex, payload, float64((perRecord+perIndex)*100_000)/(1<<20))
	require.Less(t, perRecord+perIndex, int64(2048), "a dead letter should cost well under 2 KiB")
}
