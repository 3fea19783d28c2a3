package ordering

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/redistest"
)

// testBundle is a real Redis database with a Queue that promotes, one
// that does not (a producer that crashed before its enqueue), and an
// inspector.
type testBundle struct {
	q, lame *Queue
	insp    *asynq.Inspector
	dead    map[string]bool // ids with an open dead letter
	done    map[string]bool // ids with a delivered marker
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db := redistest.New(t)
	ac := asynq.NewClient(db.Opt)
	insp := asynq.NewInspector(db.Opt)
	t.Cleanup(func() { _ = ac.Close(); _ = insp.Close() })
	return &testBundle{q: New(db.Client, ac), lame: New(db.Client, nil), insp: insp,
		dead: map[string]bool{}, done: map[string]bool{}}
}

func (b *testBundle) sweeper(mode string) *Sweeper {
	return NewSweeper(SweeperParams{Queue: b.q, Inspector: b.insp, Grace: time.Nanosecond, OnDeadLetter: mode,
		DeadLettered: func(_ context.Context, id string) (bool, error) { return b.dead[id], nil },
		Delivered:    func(_ context.Context, id string) (bool, error) { return b.done[id], nil }})
}

// inAsynq reports the asynq state of id, "" when it is in none.
func (b *testBundle) inAsynq(t *testing.T, id string) string {
	t.Helper()
	info, err := b.insp.GetTaskInfo("q", id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return ""
	}
	require.NoError(t, err)
	return info.State.String()
}

func task() Task { return Task{Type: "t", Payload: []byte(`{}`), Queue: "q", MaxRetry: 3} }

func TestSweeper_Repairs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mode string
		// crash leaves head "h1" (with "h2" behind it) as a crash would.
		crash       func(t *testing.T, b *testBundle)
		want        SweepReport
		wantH1      string // asynq state of h1 after the pass
		wantH2      string // asynq state of h2 after the pass
		wantBlocked int64
	}{
		{name: "promotion lost: the head is enqueued", mode: OnDeadLetterSkip,
			crash:  func(*testing.T, *testBundle) {},
			want:   SweepReport{Checked: 1, Promoted: 1},
			wantH1: "pending", wantH2: ""},
		{name: "head delivered, settle lost: the next is promoted", mode: OnDeadLetterSkip,
			crash:  func(_ *testing.T, b *testBundle) { b.done["h1"] = true },
			want:   SweepReport{Checked: 1, Settled: 1},
			wantH1: "", wantH2: "pending"},
		{name: "head archived, skip", mode: OnDeadLetterSkip,
			crash: func(t *testing.T, b *testBundle) {
				require.NoError(t, b.q.promote(ctx, "k", "h1"))
				require.NoError(t, b.insp.ArchiveTask("q", "h1"))
			},
			want:   SweepReport{Checked: 1, Settled: 1},
			wantH1: "archived", wantH2: "pending"},
		{name: "head dead-lettered, block", mode: OnDeadLetterBlock,
			crash:  func(_ *testing.T, b *testBundle) { b.dead["h1"] = true },
			want:   SweepReport{Checked: 1, Blocked: 1},
			wantH1: "", wantH2: "", wantBlocked: 1},
		{name: "blocked, dead letter gone: the key goes on", mode: OnDeadLetterBlock,
			crash: func(t *testing.T, b *testBundle) {
				ok, err := b.q.Block(ctx, "k", "h1")
				require.NoError(t, err)
				require.True(t, ok)
			},
			want:   SweepReport{Checked: 1, Settled: 1},
			wantH1: "", wantH2: "pending"},
		{name: "head live: left alone", mode: OnDeadLetterSkip,
			crash:  func(t *testing.T, b *testBundle) { require.NoError(t, b.q.promote(ctx, "k", "h1")) },
			want:   SweepReport{Checked: 1},
			wantH1: "pending", wantH2: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			for _, id := range []string{"h1", "h2"} {
				_, err := b.lame.Append(ctx, "k", id, task(), "", 0)
				require.NoError(t, err)
			}
			tc.crash(t, b)
			rep, err := b.sweeper(tc.mode).Sweep(ctx)
			require.NoError(t, err)
			require.Equal(t, tc.want, rep)
			require.Equal(t, tc.wantH1, b.inAsynq(t, "h1"), "h1")
			require.Equal(t, tc.wantH2, b.inAsynq(t, "h2"), "h2")
			n, _, err := b.q.BlockedCount(ctx)
			require.NoError(t, err)
			require.Equal(t, tc.wantBlocked, n)
		})
	}
}

func TestQueue_AppendIsIdempotentAndSettleOnlyTheHead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	a1, err := b.q.Append(ctx, "k", "a", task(), "", time.Minute)
	require.NoError(t, err)
	require.Equal(t, Appended{Position: 1, Head: true}, a1)
	again, err := b.q.Append(ctx, "k", "a", task(), "", time.Minute)
	require.NoError(t, err)
	require.Equal(t, a1, again, "the same id is not appended twice")
	a2, err := b.q.Append(ctx, "k", "b", task(), "", 0)
	require.NoError(t, err)
	require.Equal(t, Appended{Position: 2}, a2)
	require.Equal(t, "", b.inAsynq(t, "b"), "not the head: not in asynq")

	ok, err := b.q.Settle(ctx, "k", "b")
	require.NoError(t, err)
	require.False(t, ok, "b is not the head")
	ok, err = b.q.Settle(ctx, "k", "a")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "pending", b.inAsynq(t, "b"), "promoted")
	st, err := b.q.StandingOf(ctx, "k", "a")
	require.NoError(t, err)
	require.Equal(t, Settled, st)
	late, err := b.q.Append(ctx, "k", "a", task(), "", time.Minute)
	require.NoError(t, err)
	require.False(t, late.Head, "a settled keyed id is remembered, not appended again")
	n, err := b.q.Len(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
}

func TestQueue_ReplacingHead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	for _, id := range []string{"a", "b"} {
		_, err := b.lame.Append(ctx, "k", id, task(), "", 0)
		require.NoError(t, err)
	}
	ok, err := b.q.Block(ctx, "k", "a")
	require.NoError(t, err)
	require.True(t, ok)
	r, err := b.q.Append(ctx, "k", "a2", task(), "a", 0)
	require.NoError(t, err)
	require.True(t, r.Head, "takes a's place")
	n, _, err := b.q.BlockedCount(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "and unblocks the key")
	late, err := b.q.Append(ctx, "k", "x", task(), "a", 0)
	require.NoError(t, err)
	require.False(t, late.Head, "a is no longer the head: to the back")
}
