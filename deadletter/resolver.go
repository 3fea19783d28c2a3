package deadletter

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/internal/testsignal"
)

// ResolverParams configure a Resolver.
type ResolverParams struct {
	// Store is where the records are. Required.
	Store *Store
	// Interval is how often noted ids are checked, in one pipelined call.
	// Default 100ms.
	Interval time.Duration
	// Buffer is how many ids may wait for the next check; beyond it Note
	// drops ids (the reconciler still resolves those). Default 10,000.
	Buffer int
	// Logger, optional.
	Logger *slog.Logger
}

// Resolver marks dead letters resolved when their task later succeeds —
// an archived task run again from asynqmon and delivered. The worker calls
// Note with the id of every task it finishes; Note never touches Redis, so
// the delivery path pays no round trip: ids are checked in batches, every
// Interval, by one script call that marks only ids that have an open record.
type Resolver struct {
	store    *Store
	interval time.Duration
	logger   *slog.Logger
	ids      chan string
	done     chan struct{}
	dropped  atomic.Int64
	resolved atomic.Int64

	testSignals resolverTestSignals
}

// resolverTestSignals tell a test where the loop is (internal/testsignal).
type resolverTestSignals struct {
	checked testsignal.Signal[int64] // one check done, with how many it resolved
}

// NewResolver returns a Resolver; Start runs it.
func NewResolver(p ResolverParams) *Resolver {
	if p.Interval <= 0 {
		p.Interval = 100 * time.Millisecond
	}
	if p.Buffer <= 0 {
		p.Buffer = 10_000
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	return &Resolver{store: p.Store, interval: p.Interval, logger: p.Logger,
		ids: make(chan string, p.Buffer), done: make(chan struct{})}
}

// Note hands over the id of a task that finished well. It never blocks.
func (r *Resolver) Note(taskID string) {
	select {
	case r.ids <- taskID:
	default:
		r.dropped.Add(1)
	}
}

// Resolved returns how many dead letters this Resolver marked resolved.
func (r *Resolver) Resolved() int64 { return r.resolved.Load() }

// Start runs the loop until Shutdown.
func (r *Resolver) Start(wg *sync.WaitGroup) {
	wg.Go(func() {
		t := time.NewTicker(r.interval)
		defer t.Stop()
		for {
			select {
			case <-r.done:
				r.exec(context.Background()) // what the last tasks noted
				return
			case <-t.C:
				r.exec(context.Background())
			}
		}
	})
}

// Shutdown stops the loop after one last check; call it after the worker
// has stopped, so the ids of its last tasks are checked too.
func (r *Resolver) Shutdown() { close(r.done) }

// exec checks every id noted so far.
func (r *Resolver) exec(ctx context.Context) {
	var batch []string
	for {
		select {
		case id := <-r.ids:
			batch = append(batch, id)
			continue
		default:
		}
		break
	}
	if n := r.dropped.Swap(0); n > 0 {
		r.logger.Warn("dead-letter resolver buffer full; ids left to the reconciler", "dropped", n)
	}
	for start := 0; start < len(batch); start += pageSize {
		n, err := r.store.resolve(ctx, batch[start:min(start+pageSize, len(batch))])
		if err != nil {
			r.logger.Warn("dead-letter resolver: check failed; the reconciler will catch up", "err", err)
			continue
		}
		if n > 0 {
			r.resolved.Add(n)
			r.logger.Info("dead letters resolved: their tasks were run again and succeeded", "count", n)
		}
	}
	r.testSignals.checked.Signal(r.resolved.Load())
}

// resolveScript marks resolved each id that has a record and is not yet
// resolved. KEYS: resolved set, then one record key per id. ARGV: now ms,
// then the ids.
var resolveScript = redis.NewScript(`
local n = 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[i]) == 1 then
    n = n + 1
  end
end
return n`)

// resolve marks the given ids resolved when they have an open record.
func (s *Store) resolve(ctx context.Context, ids []string) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	keys := make([]string, 0, len(ids)+1)
	args := make([]any, 0, len(ids)+1)
	keys = append(keys, resolvedKey)
	args = append(args, s.now().UnixMilli())
	for _, id := range ids {
		keys = append(keys, recordKey(id))
		args = append(args, id)
	}
	return resolveScript.Run(ctx, s.rdb, keys, args...).Int64()
}
