package deadletter_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/tasks"
)

func TestRecord_SetPayloadPrefix(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("x"), 10_000)
	sum := sha256.Sum256(big)
	tests := []struct {
		name          string
		payload       []byte
		n             int
		wantJSON      bool
		wantKept      int
		wantTruncated bool
	}{
		{name: "small JSON kept whole", payload: []byte(`{"a":1}`), n: 4096, wantJSON: true, wantKept: 7},
		{name: "small garbage kept whole", payload: []byte("{not json"), n: 4096, wantKept: 9},
		{name: "exactly n kept whole", payload: big[:4096], n: 4096, wantKept: 4096},
		{name: "larger keeps a prefix", payload: big, n: 4096, wantKept: 4096, wantTruncated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r deadletter.Record
			r.SetPayloadPrefix(tt.payload, tt.n)
			require.Equal(t, tt.wantJSON, r.Payload != nil, "kept as JSON")
			require.Equal(t, tt.payload[:tt.wantKept], r.PayloadBytes())
			require.Equal(t, tt.wantTruncated, r.PayloadTruncated())
			if !tt.wantTruncated {
				require.Zero(t, r.PayloadSize)
				require.Empty(t, r.PayloadSHA256)
				return
			}
			require.Equal(t, len(tt.payload), r.PayloadSize)
			require.Equal(t, hex.EncodeToString(sum[:]), r.PayloadSHA256)
			r.SetPayload([]byte(`{}`))
			require.False(t, r.PayloadTruncated(), "SetPayload clears the size and hash")
		})
	}
}

// TestStore_TruncatedRecordIsNeverReplayed: a record that keeps only the
// first bytes of its payload is refused by replay, forced or patched, with
// the reason; its prefix is never enqueued as if it were the payload.
func TestStore_TruncatedRecordIsNeverReplayed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	r := retryable(1)
	whole := []byte(`{"target":"users","to":["bob"],"type":"txt","body":{"msg":"` + string(bytes.Repeat([]byte("m"), 8000)) + `"}}`)
	r.SetPayloadPrefix(whole, deadletter.PayloadPrefixBytes)
	b.put(t, r)

	got, err := b.store.Get(ctx, r.TaskID)
	require.NoError(t, err)
	require.Equal(t, len(whole), got.PayloadSize, "size stored")
	require.Len(t, got.PayloadSHA256, 64, "hash stored")
	require.Len(t, got.PayloadBytes(), deadletter.PayloadPrefixBytes)

	for name, edit := range map[string]func(*deadletter.ReplayOptions){
		"dry run": func(o *deadletter.ReplayOptions) { o.DryRun = true },
		"forced":  func(o *deadletter.ReplayOptions) { o.Force = true },
		"patched": func(o *deadletter.ReplayOptions) { o.Patch = json.RawMessage(`{"to":["carol"]}`) },
	} {
		o := b.replayOpts(deadletter.Filter{IDs: []string{r.TaskID}})
		edit(&o)
		rep, err := b.store.Replay(ctx, o)
		require.NoError(t, err, name)
		require.Len(t, rep.Items, 1, name)
		require.Equal(t, deadletter.OutcomeSkippedTruncated, rep.Items[0].Outcome, name)
		require.Contains(t, rep.Items[0].Why, "cannot be replayed", name)
		require.Contains(t, rep.Items[0].Why, got.PayloadSHA256, name)
	}
	enqueued, err := b.db.Client.Keys(ctx, "asynq:{"+tasks.QueueMessages+"}:t:*").Result()
	require.NoError(t, err)
	require.Empty(t, enqueued, "no task enqueued")
	_, err = b.store.Get(ctx, r.TaskID)
	require.NoError(t, err, "the record stays")
}

// TestReconciler_KeepsAPrefixOfAnOversizedArchivedPayload: a task archived
// without a chatq decision whose payload is over the cap is imported with
// its prefix, size and hash; one under the cap whole.
func TestReconciler_KeepsAPrefixOfAnOversizedArchivedPayload(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c := asynq.NewClient(b.db.Opt)
	t.Cleanup(func() { _ = c.Close() })
	archive := func(size int) (string, []byte) {
		payload := bytes.Repeat([]byte("p"), size)
		info, err := c.Enqueue(asynq.NewTask(tasks.TypeSendMessage, payload), asynq.Queue(tasks.QueueMessages))
		require.NoError(t, err)
		require.NoError(t, b.insp.ArchiveTask(tasks.QueueMessages, info.ID))
		return info.ID, payload
	}
	bigID, big := archive(20_000)
	smallID, small := archive(6_000)
	rec := deadletter.NewReconciler(deadletter.ReconcilerParams{Store: b.store, Inspector: b.insp, MaxPayloadBytes: 8_000})
	rep, err := rec.Reconcile(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Imported)

	got, err := b.store.Get(ctx, bigID)
	require.NoError(t, err)
	sum := sha256.Sum256(big)
	require.Equal(t, big[:deadletter.PayloadPrefixBytes], got.PayloadBytes())
	require.Equal(t, len(big), got.PayloadSize)
	require.Equal(t, hex.EncodeToString(sum[:]), got.PayloadSHA256)
	got, err = b.store.Get(ctx, smallID)
	require.NoError(t, err)
	require.Equal(t, small, got.PayloadBytes())
	require.False(t, got.PayloadTruncated())
}
