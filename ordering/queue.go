package ordering

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Redis keys; see the package documentation.
const (
	prefix     = "{chatq}:ord:"
	activeKey  = prefix + "active"
	blockedKey = prefix + "blocked"
	sweepLock  = prefix + "sweep:lock"
	// counterTTL is how long an idle key's position counter is kept.
	counterTTL = 7 * 24 * time.Hour
)

func seqKey(key string) string     { return prefix + "q:" + key }
func taskKey(id string) string     { return prefix + "t:" + id }
func counterKey(key string) string { return prefix + "n:" + key }

// ErrNoTask is returned when a head's stored task is missing: the key was
// changed by hand, or its data lost.
var ErrNoTask = errors.New("ordering: stored task missing")

// CheckKey validates an order key: 1 to MaxKeyBytes bytes of valid UTF-8.
func CheckKey(key string) error {
	switch {
	case key == "" || len(key) > MaxKeyBytes:
		return fmt.Errorf("must be 1 to %d bytes, got %d", MaxKeyBytes, len(key))
	case !utf8.ValidString(key):
		return errors.New("must be valid UTF-8")
	}
	return nil
}

// Queue appends, settles and promotes ordered tasks. It is safe for
// concurrent use.
type Queue struct {
	rdb redis.UniversalClient
	ac  *asynq.Client // enqueues heads; nil: promotion is left to the Sweeper
	now func() time.Time
}

// New returns a Queue on rdb that enqueues heads through ac. ac may be
// nil for a caller that only releases keys (deadletter delete): the
// Sweeper then promotes their next head.
func New(rdb redis.UniversalClient, ac *asynq.Client) *Queue {
	return &Queue{rdb: rdb, ac: ac, now: time.Now}
}

// Appended is the result of Append.
type Appended struct {
	Position int64
	Head     bool // the task is its key's head and was enqueued in asynq
}

// Append adds task id to the back of key — or in the place of the head
// replaces, when that is still the head — and enqueues it in asynq if it
// is the head. keep > 0 keeps a stub of the id that long after it settles,
// so that an Append of the same id (an idempotent enqueue finishing after
// a crash) does nothing. Appending an id already stored only enqueues it
// again if it is the head, which asynq refuses as a duplicate.
func (q *Queue) Append(ctx context.Context, key, id string, t Task, replaces string, keep time.Duration) (Appended, error) {
	if err := CheckKey(key); err != nil {
		return Appended{}, fmt.Errorf("ordering: key: %w", err)
	}
	js, err := encodeTask(t)
	if err != nil {
		return Appended{}, err
	}
	repl := taskKey(id)
	if replaces != "" {
		repl = taskKey(replaces)
	}
	res, err := appendScript.Run(ctx, q.rdb,
		[]string{seqKey(key), taskKey(id), activeKey, counterKey(key), blockedKey, repl},
		id, js, q.now().UnixMilli(), key, replaces, keep.Milliseconds(), counterTTL.Milliseconds()).Int64Slice()
	if err != nil {
		return Appended{}, fmt.Errorf("ordering: append to %q: %w", key, err)
	}
	out := Appended{Head: res[0] == 1, Position: res[1]}
	if out.Head {
		if err := q.enqueue(ctx, key, id, t, out.Position); err != nil {
			return out, err
		}
	}
	return out, nil
}

// enqueue puts a head in asynq under its own id; a task already there
// with that id is the same task.
func (q *Queue) enqueue(ctx context.Context, key, id string, t Task, pos int64) error {
	if q.ac == nil {
		return nil
	}
	_, err := q.ac.EnqueueContext(ctx, t.asynqTask(id, key, pos))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("ordering: enqueue head %s of %q: %w", id, key, err)
	}
	return nil
}

// Next is the task that became its key's head.
type Next struct {
	ID       string
	Task     Task
	Position int64
}

// Settle ends head id of key (delivered, done, dead-lettered and
// skipped, expired) and promotes the next task, if any. It reports false
// when id was not the head: settled already, by a run that crashed before
// asynq heard of it. A failed promotion is returned; the Sweeper finds the
// head it left unpromoted.
func (q *Queue) Settle(ctx context.Context, key, id string) (bool, error) {
	score := q.now().UnixMilli()
	if q.ac == nil {
		score = 0 // nobody here promotes: due for the Sweeper now
	}
	next, ok, err := q.advance(ctx, key, id, score)
	if err != nil || !ok || next == nil || q.ac == nil {
		return ok, err
	}
	return true, q.Promote(ctx, key, *next)
}

// Advance ends head id of key like Settle but returns the next head
// instead of enqueuing it: the caller runs it at once (the worker that
// just finished the key's head) or Promotes it. nil when the key is now
// empty; ok is false when id was not the head. A next head neither run
// to its end nor promoted is found by the Sweeper after Grace.
func (q *Queue) Advance(ctx context.Context, key, id string) (next *Next, ok bool, err error) {
	return q.advance(ctx, key, id, q.now().UnixMilli())
}

func (q *Queue) advance(ctx context.Context, key, id string, score int64) (*Next, bool, error) {
	res, err := advanceScript.Run(ctx, q.rdb, []string{seqKey(key), taskKey(id), activeKey, blockedKey},
		id, key, score, prefix+"t:").StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("ordering: settle %s of %q: %w", id, key, err)
	}
	if len(res) < 3 {
		return nil, true, nil
	}
	if res[1] == "" {
		return nil, true, fmt.Errorf("ordering: next head %s of %q: %w", res[0], key, ErrNoTask)
	}
	t, err := decodeTask(res[1])
	if err != nil {
		return nil, true, err
	}
	pos, _ := strconv.ParseInt(res[2], 10, 64)
	return &Next{ID: res[0], Task: t, Position: pos}, true, nil
}

// Promote enqueues the head n of key in asynq.
func (q *Queue) Promote(ctx context.Context, key string, n Next) error {
	return q.enqueue(ctx, key, n.ID, n.Task, n.Position)
}

// Touch records that key's head is in good hands now (a worker runs it),
// so the Sweeper leaves it alone for Grace.
func (q *Queue) Touch(ctx context.Context, key string) error {
	err := q.rdb.ZAddXX(ctx, activeKey, redis.Z{Score: float64(q.now().UnixMilli()), Member: key}).Err()
	if err != nil {
		return fmt.Errorf("ordering: touch %q: %w", key, err)
	}
	return nil
}

// promote enqueues the stored task id, the head of key, in asynq.
func (q *Queue) promote(ctx context.Context, key, id string) error {
	vals, err := q.rdb.HMGet(ctx, taskKey(id), "task", "pos").Result()
	if err != nil {
		return fmt.Errorf("ordering: promote %s of %q: %w", id, key, err)
	}
	js, ok := vals[0].(string)
	if !ok {
		return fmt.Errorf("ordering: promote %s of %q: %w", id, key, ErrNoTask)
	}
	t, err := decodeTask(js)
	if err != nil {
		return err
	}
	var pos int64
	if s, ok := vals[1].(string); ok {
		pos, _ = strconv.ParseInt(s, 10, 64)
	}
	return q.enqueue(ctx, key, id, t, pos)
}

// Block marks key blocked by its dead-lettered head id (Config "block"):
// nothing behind it runs until the dead letter is replayed or deleted. It
// reports false when id is not the head.
func (q *Queue) Block(ctx context.Context, key, id string) (bool, error) {
	n, err := blockScript.Run(ctx, q.rdb, []string{seqKey(key), blockedKey}, id, key, q.now().UnixMilli()).Int()
	if err != nil {
		return false, fmt.Errorf("ordering: block %q: %w", key, err)
	}
	return n == 1, nil
}

// Standing is where a task stands in its key.
type Standing int

// Standings.
const (
	Settled Standing = iota // not in its key any more (or never was)
	Head                    // the key's head: it may run
	Waiting                 // behind the head: it must not run yet
)

// StandingOf says where id stands in key.
func (q *Queue) StandingOf(ctx context.Context, key, id string) (Standing, error) {
	n, err := standingScript.Run(ctx, q.rdb, []string{seqKey(key)}, id).Int()
	if err != nil {
		return Settled, fmt.Errorf("ordering: standing of %s in %q: %w", id, key, err)
	}
	return Standing(n), nil
}

// Blocked is a key blocked by its dead-lettered head.
type Blocked struct {
	Key   string
	Since time.Time
}

// BlockedKeys returns the blocked keys, oldest first, at most limit (0:
// all).
func (q *Queue) BlockedKeys(ctx context.Context, limit int64) ([]Blocked, error) {
	zs, err := q.rdb.ZRangeWithScores(ctx, blockedKey, 0, limit-1).Result()
	if err != nil {
		return nil, fmt.Errorf("ordering: blocked keys: %w", err)
	}
	out := make([]Blocked, len(zs))
	for i, z := range zs {
		out[i] = Blocked{Key: fmt.Sprint(z.Member), Since: time.UnixMilli(int64(z.Score))}
	}
	return out, nil
}

// BlockedCount returns how many keys are blocked and since when the
// oldest is (zero when none).
func (q *Queue) BlockedCount(ctx context.Context) (int64, time.Time, error) {
	var n *redis.IntCmd
	var oldest *redis.ZSliceCmd
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		n = p.ZCard(ctx, blockedKey)
		oldest = p.ZRangeWithScores(ctx, blockedKey, 0, 0)
		return nil
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("ordering: blocked keys: %w", err)
	}
	var since time.Time
	if zs := oldest.Val(); len(zs) > 0 {
		since = time.UnixMilli(int64(zs[0].Score))
	}
	return n.Val(), since, nil
}

// Len returns how many tasks key holds, its head included.
func (q *Queue) Len(ctx context.Context, key string) (int64, error) {
	n, err := q.rdb.LLen(ctx, seqKey(key)).Result()
	if err != nil {
		return 0, fmt.Errorf("ordering: length of %q: %w", key, err)
	}
	return n, nil
}

// headOf returns the head of key ("" when empty) and its stored task's
// queue.
func (q *Queue) headOf(ctx context.Context, key string) (id string, t Task, err error) {
	id, err = q.rdb.LIndex(ctx, seqKey(key), 0).Result()
	if errors.Is(err, redis.Nil) {
		return "", Task{}, nil
	}
	if err != nil {
		return "", Task{}, err
	}
	js, err := q.rdb.HGet(ctx, taskKey(id), "task").Result()
	if errors.Is(err, redis.Nil) {
		return id, Task{}, ErrNoTask
	}
	if err != nil {
		return id, Task{}, err
	}
	t, err = decodeTask(js)
	return id, t, err
}

// Stored returns the order key and the stored task of id while it waits
// in its key (or is its head); ok is false when id is not stored (never
// ordered, or settled).
func (q *Queue) Stored(ctx context.Context, id string) (key string, t Task, ok bool, err error) {
	vals, err := q.rdb.HMGet(ctx, taskKey(id), "key", "task").Result()
	if err != nil {
		return "", Task{}, false, fmt.Errorf("ordering: stored task %s: %w", id, err)
	}
	key, ok1 := vals[0].(string)
	js, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return "", Task{}, false, nil
	}
	t, err = decodeTask(js)
	return key, t, err == nil, err
}
