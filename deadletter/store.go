package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned when no dead letter has the given task id.
var ErrNotFound = errors.New("deadletter: not found")

// Store reads and writes dead letters in Redis. It keeps every record until
// it is replayed or deleted (or aged out by an explicit Retention, see
// ReconcilerParams): there is no cap on count or age.
type Store struct {
	rdb      redis.UniversalClient
	auditMax int64
	now      func() time.Time
}

// Config tunes a Store. The zero value means the defaults.
type Config struct {
	// AuditMaxLen caps the audit stream (AuditKey) at about this many
	// entries; older entries are trimmed. Default 10,000; it bounds the
	// audit trail only, never the dead letters.
	AuditMaxLen int64
}

// DefaultAuditMaxLen is the default Config.AuditMaxLen.
const DefaultAuditMaxLen = 10_000

// New returns a store on rdb tuned by cfg; the caller keeps ownership of
// rdb.
func New(rdb redis.UniversalClient, cfg Config) *Store {
	if cfg.AuditMaxLen <= 0 {
		cfg.AuditMaxLen = DefaultAuditMaxLen
	}
	return &Store{rdb: rdb, auditMax: cfg.AuditMaxLen, now: time.Now}
}

// encode returns the stored JSON of r: State and ResolvedAt are derived on
// read and never stored.
func encode(r Record) ([]byte, error) {
	if r.TaskID == "" {
		return nil, errors.New("record has no task id")
	}
	r.State, r.ResolvedAt = "", time.Time{}
	return json.Marshal(r)
}

// Put writes r durably (record and index in one transaction). Writing the
// same task id again replaces the record and reopens it, so a re-run
// decision is idempotent.
func (s *Store) Put(ctx context.Context, r Record) error {
	b, err := encode(r)
	if err != nil {
		return fmt.Errorf("deadletter: put %s: %w", r.TaskID, err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		putCmds(ctx, p, r, b)
		return nil
	})
	if err != nil {
		return fmt.Errorf("deadletter: put %s: %w", r.TaskID, err)
	}
	return nil
}

func putCmds(ctx context.Context, p redis.Pipeliner, r Record, b []byte) {
	p.Set(ctx, recordKey(r.TaskID), b, 0)
	p.ZAdd(ctx, indexKey, redis.Z{Score: float64(r.LastFailure.UnixMilli()), Member: r.TaskID})
	p.ZRem(ctx, resolvedKey, r.TaskID)
	p.ZRem(ctx, tombstoneKey, r.TaskID)
	p.ZRem(ctx, rerunKey, r.TaskID)
}

// PutMany writes many records, each chunk of putManyChunk records in one
// MULTI/EXEC (every key shares the {chatq} slot, so this holds on a cluster
// too): a record never exists without its index entry. It is for bulk
// imports and tests; the dispatcher uses Put.
func (s *Store) PutMany(ctx context.Context, recs []Record) error {
	for start := 0; start < len(recs); start += putManyChunk {
		chunk := recs[start:min(start+putManyChunk, len(recs))]
		encoded := make([][]byte, len(chunk))
		for i, r := range chunk {
			b, err := encode(r)
			if err != nil {
				return fmt.Errorf("deadletter: put many: %s: %w", r.TaskID, err)
			}
			encoded[i] = b
		}
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, r := range chunk {
				putCmds(ctx, p, r, encoded[i])
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("deadletter: put many: %w", err)
		}
	}
	return nil
}

const putManyChunk = 1000

// putIfAbsentScript writes a record only when none exists, so a reconciler
// never overwrites what the dispatcher wrote.
var putIfAbsentScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  return 1
end
return 0`)

func (s *Store) putIfAbsent(ctx context.Context, r Record) (bool, error) {
	b, err := encode(r)
	if err != nil {
		return false, err
	}
	n, err := putIfAbsentScript.Run(ctx, s.rdb, []string{recordKey(r.TaskID), indexKey},
		b, r.LastFailure.UnixMilli(), r.TaskID).Int()
	return n == 1, err
}

// Get returns the record of taskID, or ErrNotFound.
func (s *Store) Get(ctx context.Context, taskID string) (Record, error) {
	recs, err := s.getMany(ctx, []string{taskID})
	if err != nil {
		return Record{}, fmt.Errorf("deadletter: get %s: %w", taskID, err)
	}
	if len(recs) == 0 {
		return Record{}, fmt.Errorf("deadletter: get %s: %w", taskID, ErrNotFound)
	}
	return recs[0], nil
}

// Count returns how many dead letters are stored.
func (s *Store) Count(ctx context.Context) (int64, error) {
	n, err := s.rdb.ZCard(ctx, indexKey).Result()
	if err != nil {
		return 0, fmt.Errorf("deadletter: count: %w", err)
	}
	return n, nil
}

// getMany reads the records of ids with their resolution in one round trip;
// ids without a record (deleted meanwhile) are left out.
func (s *Store) getMany(ctx context.Context, ids []string) ([]Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = recordKey(id)
	}
	var vals *redis.SliceCmd
	var resolved *redis.FloatSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		vals = p.MGet(ctx, keys...)
		resolved = p.ZMScore(ctx, resolvedKey, ids...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read records: %w", err)
	}
	return decodeRecords(ids, vals.Val(), resolved.Val())
}

func decodeRecords(ids []string, vals []any, resolved []float64) ([]Record, error) {
	out := make([]Record, 0, len(vals))
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted between the index read and the record read
		}
		var r Record
		if err := json.Unmarshal([]byte(str), &r); err != nil {
			return nil, fmt.Errorf("decode %s: %w", ids[i], err)
		}
		r.State = StateOpen
		if i < len(resolved) && resolved[i] > 0 {
			r.State, r.ResolvedAt = StateResolved, time.UnixMilli(int64(resolved[i]))
		}
		out = append(out, r)
	}
	return out, nil
}

// remove deletes the records of ids and leaves a tombstone for each, so the
// reconciler deletes rather than re-imports their archived asynq copies.
func (s *Store) remove(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	now := float64(s.now().UnixMilli())
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		keys := make([]string, len(ids))
		members := make([]any, len(ids))
		tombs := make([]redis.Z, len(ids))
		for i, id := range ids {
			keys[i], members[i], tombs[i] = recordKey(id), id, redis.Z{Score: now, Member: id}
		}
		p.Del(ctx, keys...)
		p.ZRem(ctx, indexKey, members...)
		p.ZRem(ctx, resolvedKey, members...)
		p.ZRem(ctx, rerunKey, members...)
		p.ZAdd(ctx, tombstoneKey, tombs...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove records: %w", err)
	}
	return nil
}
