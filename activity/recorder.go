package activity

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// keyPrefix is followed by the minute (unix seconds / 60).
const keyPrefix = "{chatq}:activity:"

// DefaultTTL is how long a minute's counts are kept.
const DefaultTTL = 6 * time.Hour

// Key returns the Redis key of the minute containing t.
func Key(t time.Time) string { return keyPrefix + strconv.FormatInt(t.Unix()/60, 10) }

// RecorderParams configure a Recorder.
type RecorderParams struct {
	// Redis is where the counts go. Required.
	Redis redis.UniversalClient
	// Interval is how often counts are written. Default 5s.
	Interval time.Duration
	// TTL is how long a minute's counts live in Redis. Default DefaultTTL.
	TTL time.Duration
	// Logger, optional, receives one line per failed write.
	Logger *slog.Logger
	// Now, optional, is the clock (tests).
	Now func() time.Time
}

// counter is one cell of a minute's hash.
type counter struct {
	minute  int64
	queue   string
	outcome string
}

// Recorder counts decisions per minute, queue and outcome and writes the
// counts to Redis every Interval; Start runs it, Shutdown writes the rest.
type Recorder struct {
	p    RecorderParams
	mu   sync.Mutex
	cur  map[counter]int64
	done chan struct{}
}

// NewRecorder returns a Recorder with p's defaults applied.
func NewRecorder(p RecorderParams) *Recorder {
	if p.Interval <= 0 {
		p.Interval = 5 * time.Second
	}
	if p.TTL <= 0 {
		p.TTL = DefaultTTL
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	return &Recorder{p: p, cur: map[counter]int64{}, done: make(chan struct{})}
}

// Add counts one decision (a dispatcher.Outcome, as a string) about a task
// of queue; it never touches Redis, so a dispatcher.Observer can call it on
// the delivery path.
func (r *Recorder) Add(queue, outcome string) {
	c := counter{minute: r.p.Now().Unix() / 60, queue: queue, outcome: outcome}
	r.mu.Lock()
	r.cur[c]++
	r.mu.Unlock()
}

// Start runs the write loop until Shutdown.
func (r *Recorder) Start(wg *sync.WaitGroup) {
	wg.Go(func() {
		t := time.NewTicker(r.p.Interval)
		defer t.Stop()
		for {
			select {
			case <-r.done:
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				r.exec(ctx) // the last counts
				cancel()
				return
			case <-t.C:
				r.exec(context.Background())
			}
		}
	})
}

// Shutdown stops the loop after one last write; wait on Start's group.
func (r *Recorder) Shutdown() { close(r.done) }

// Flush writes the counts gathered so far now (tests, and the last write).
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	batch := r.cur
	r.cur = map[counter]int64{}
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := r.write(ctx, batch)
	if err != nil {
		r.mu.Lock() // kept for the next write: counts are never dropped on a Redis error
		for c, n := range batch {
			r.cur[c] += n
		}
		r.mu.Unlock()
	}
	return err
}

func (r *Recorder) exec(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.p.Interval+5*time.Second)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		r.p.Logger.Warn("activity counts not written; kept for the next write", slog.Any("err", err))
	}
}

func (r *Recorder) write(ctx context.Context, batch map[counter]int64) error {
	_, err := r.p.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		minutes := map[int64]bool{}
		for c, n := range batch {
			key := keyPrefix + strconv.FormatInt(c.minute, 10)
			p.HIncrBy(ctx, key, field(c.queue, c.outcome), n)
			minutes[c.minute] = true
		}
		for m := range minutes {
			// The TTL counts from the minute itself, not from the last write.
			p.ExpireAt(ctx, keyPrefix+strconv.FormatInt(m, 10), time.Unix(m*60, 0).Add(r.p.TTL))
		}
		return nil
	})
	return err
}

func field(queue, outcome string) string { return queue + "|" + outcome }
