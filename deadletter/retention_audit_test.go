package deadletter_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/deadletter"
)

// failAfterRemove is a go-redis hook that fails every ZRANGEBYSCORE once a
// MULTI that removes records (it adds tombstones) has run: the retention
// loop stops with an error after it deleted its first page.
type failAfterRemove struct{ removed atomic.Bool }

var errInjected = errors.New("injected redis failure")

func (h *failAfterRemove) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *failAfterRemove) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.removed.Load() && cmd.Name() == "zrangebyscore" {
			cmd.SetErr(errInjected)
			return errInjected
		}
		return next(ctx, cmd)
	}
}

func (h *failAfterRemove) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			if c.Name() == "zadd" && len(c.Args()) > 1 && strings.Contains(c.Args()[1].(string), "tomb") {
				h.removed.Store(true)
			}
		}
		return err
	}
}

// TestReconciler_RetentionAuditsPartialPass: records the retention removed
// are in the audit trail even when the pass fails part-way.
func TestReconciler_RetentionAuditsPartialPass(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	old := retryable(1)
	old.LastFailure = time.Now().Add(-48 * time.Hour)
	b.put(t, old)

	hooked := redis.NewClient(b.db.Client.Options())
	t.Cleanup(func() { _ = hooked.Close() })
	hooked.AddHook(&failAfterRemove{})
	r := deadletter.NewReconciler(deadletter.ReconcilerParams{Store: deadletter.New(hooked, deadletter.Config{}), Inspector: b.insp,
		Retention: 24 * time.Hour, RerunGrace: time.Nanosecond})

	rep, err := r.Reconcile(ctx)
	require.ErrorIs(t, err, errInjected)
	require.Equal(t, 1, rep.Expired)
	audit, err := b.store.Audit(ctx, 1)
	require.NoError(t, err)
	require.Len(t, audit, 1, "the removed record is audited")
	require.Equal(t, "retention", audit[0].Op)
	require.Equal(t, 1, audit[0].Counts["expired"])
}
