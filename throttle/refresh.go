package throttle

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// maybeRefresh reloads the shared state of every family once per
// Config.Refresh (one pipelined Redis call, made by whichever Acquire finds
// the cache stale; Acquires that find it stale meanwhile wait for that call
// rather than act on stale state) and flushes the call counts chatq status
// reads.
func (t *Throttle) maybeRefresh(ctx context.Context) {
	if !t.stale() {
		return
	}
	t.refreshMu.Lock()
	if ch := t.refreshing; ch != nil {
		t.refreshMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return
	}
	if !t.stale() {
		t.refreshMu.Unlock()
		return
	}
	ch := make(chan struct{})
	t.refreshing = ch
	t.refreshMu.Unlock()
	defer func() {
		t.refreshMu.Lock()
		t.refreshing = nil
		close(ch)
		t.refreshMu.Unlock()
	}()
	start := time.Now() // the cache's age is real time, whatever Config.Now says
	if err := t.refresh(ctx, t.cfg.Now()); err != nil && ctx.Err() == nil {
		t.logRedisError("refresh", err)
	}
	t.lastRefresh.Store(start.UnixNano())
}

func (t *Throttle) stale() bool {
	return time.Now().UnixNano()-t.lastRefresh.Load() >= int64(t.cfg.Refresh)
}

func (t *Throttle) refresh(ctx context.Context, now time.Time) error {
	cmds := make(map[Family]*redis.MapStringStringCmd, len(t.lanes))
	sec := now.Unix()
	_, err := t.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for f, l := range t.lanes {
			cmds[f] = p.HGetAll(ctx, stateKey(f))
			if n := l.calls.Swap(0); n > 0 {
				k := callsKey(f, sec)
				p.IncrBy(ctx, k, n)
				p.Expire(ctx, k, callsTTL)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for f, cmd := range cmds {
		t.lanes[f].store(parseShared(cmd.Val()))
	}
	return nil
}
