package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"golang.org/x/time/rate"

	"github.com/chatq/chatq/tasks"
)

// itemTimeout bounds one item's claim-enqueue-remove sequence. It runs to
// the end even after an interrupt, so an item is never left enqueued but
// still stored.
const itemTimeout = 30 * time.Second

// runReplay enqueues the planned items, paced by o.Rate, o.Workers at a
// time; an interrupt stops it between items.
func (s *Store) runReplay(ctx context.Context, o *ReplayOptions, items []Item) Report {
	token := runToken()
	p := pool{workers: o.Workers, rate: o.Rate, progress: o.Progress}
	interrupted := p.run(ctx, items, OutcomeWouldReplay, func(it *Item) { s.replayOne(ctx, o, token, it) })
	return Report{Items: items, Interrupted: interrupted}
}

// pool runs one function per planned item, workers at a time, paced.
type pool struct {
	workers  int
	rate     float64
	progress func(done, total int)
}

// run calls fn for every item whose outcome is planned. When ctx ends it
// stops handing out items, marks the rest not reached, waits for the items
// in flight and returns true.
func (p pool) run(ctx context.Context, items []Item, planned Outcome, fn func(*Item)) bool {
	var todo []int
	for i := range items {
		if items[i].Outcome == planned {
			todo = append(todo, i)
		}
	}
	limiter := rate.NewLimiter(rateLimit(p.rate), 1)
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(p.workers, max(len(todo), 1)) {
		wg.Go(func() {
			for i := range jobs {
				fn(&items[i])
				mu.Lock()
				done++
				if p.progress != nil {
					p.progress(done, len(todo))
				}
				mu.Unlock()
			}
		})
	}
	interrupted := false
	for n, i := range todo {
		if err := limiter.Wait(ctx); err != nil {
			interrupted = true
			for _, j := range todo[n:] {
				items[j].Outcome, items[j].Why = OutcomeOverMax, "interrupted; run the same command again"
			}
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return interrupted
}

// replayOne claims, re-checks, enqueues and removes one dead letter. The
// record is removed only after the enqueue succeeded, and the claim keeps
// any other run away in between.
func (s *Store) replayOne(parent context.Context, o *ReplayOptions, token string, it *Item) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), itemTimeout)
	defer cancel()
	st, rec, err := s.claim(ctx, token, it.TaskID, o.ClaimTTL, false)
	if err != nil || st != claimOK {
		it.Outcome, it.Why = claimOutcome(st, err)
		return
	}
	d := decide(o, rec) // the record may have changed since the plan
	if d.outcome != OutcomeWouldReplay {
		s.release(ctx, token, it.TaskID)
		it.Outcome, it.Why = d.outcome, d.why
		return
	}
	if err := deleteArchived(o.Inspector, rec.Queue, rec.TaskID); err != nil {
		s.release(ctx, token, it.TaskID)
		it.Outcome, it.Why = OutcomeBusy, err.Error()
		return
	}
	// The key makes a rerun after a crash between this enqueue and the
	// removal below get the same task back instead of a second one; the
	// last failure time in it lets a later dead letter of the same id be
	// replayed again.
	opts := []tasks.Option{tasks.Key(replayKey(rec))}
	if rec.Queue != "" {
		opts = append(opts, tasks.Queue(rec.Queue))
	}
	if rec.OrderKey != "" {
		// An ordered dead letter stays ordered: it takes back its place at
		// the head of its key when it still holds it (the key is blocked,
		// CHATQ_ORDER_ON_DEAD_LETTER=block), else it goes to the back of
		// its key, behind what is queued now (README, "Ordered
		// conversations").
		opts = append(opts, tasks.OrderKey(rec.OrderKey), tasks.ReplacingHead(rec.TaskID))
	}
	newID, err := o.Client.Enqueue(ctx, rec.Type, d.payload, opts...)
	if err != nil {
		s.release(ctx, token, it.TaskID)
		it.Outcome, it.Why = OutcomeFailed, "enqueue: "+err.Error()
		o.Logger.Warn("replay failed", slog.String("task_id", it.TaskID), slog.Any("err", err))
		return
	}
	it.NewTaskID = newID
	if err := s.finishReplay(ctx, o, token, rec, newID); err != nil {
		it.Outcome = OutcomeFailed
		it.Why = fmt.Sprintf("enqueued as %s but the dead letter could not be removed (%v): delete it before replaying again", newID, err)
		o.Logger.Error("replayed but not removed", slog.String("task_id", it.TaskID), slog.String("new_task_id", newID), slog.Any("err", err))
		return
	}
	it.Outcome, it.Why = OutcomeReplayed, ""
}

func (s *Store) finishReplay(ctx context.Context, o *ReplayOptions, token string, rec Record, newID string) error {
	var patchKey string
	var entry []byte
	if o.Patch != nil {
		patchKey = patchEntryKey(newID)
		var err error
		entry, err = json.Marshal(PatchEntry{NewTaskID: newID, FromTaskID: rec.TaskID, User: o.User,
			Time: s.now(), Patch: o.Patch, Before: rec.PayloadBytes()})
		if err != nil {
			return err
		}
	}
	return s.finish(ctx, token, rec.TaskID, patchKey, entry)
}

func claimOutcome(st claimStatus, err error) (Outcome, string) {
	switch {
	case err != nil:
		return OutcomeFailed, err.Error()
	case st == claimBusy:
		return OutcomeBusy, "claimed by another replay or delete run"
	case st == claimResolved:
		return OutcomeResolved, "delivered after it was dead-lettered"
	}
	return OutcomeGone, "replayed or deleted by another run"
}

// deleteArchived removes the original task from asynq (archived, or
// pending after a "run" in asynqmon) so it is not sent besides the replay
// and its id blocks nothing. A task asynq is running right now is an error:
// the caller leaves that dead letter alone.
func deleteArchived(insp *asynq.Inspector, queue, id string) error {
	if insp == nil || queue == "" {
		return nil
	}
	err := insp.DeleteTask(queue, id)
	if err == nil || errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	}
	return fmt.Errorf("original task in asynq could not be deleted (is it running?): %w", err)
}

// replayKey is the idempotency key of the replay of rec.
func replayKey(rec Record) string {
	return "chatq-replay:" + rec.TaskID + ":" + strconv.FormatInt(rec.LastFailure.UnixMilli(), 10)
}

// runToken identifies one run's claims: host, pid and start time.
func runToken() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

// rateLimit converts a per-second rate to the limiter's, 0 meaning none.
func rateLimit(perSecond float64) rate.Limit {
	if perSecond <= 0 || math.IsInf(perSecond, 1) {
		return rate.Inf
	}
	return rate.Limit(perSecond)
}
