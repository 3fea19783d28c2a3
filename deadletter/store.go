package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

const (
	recordPrefix = "{chatq}:dl:"
	indexKey     = "{chatq}:dl:index"
)

// ErrNotFound is returned when no dead letter has the given task id.
var ErrNotFound = errors.New("deadletter: not found")

// Store reads and writes dead letters in Redis.
type Store struct {
	rdb redis.UniversalClient
}

// NewStore returns a store on rdb; the caller keeps ownership of rdb.
func NewStore(rdb redis.UniversalClient) *Store {
	return &Store{rdb: rdb}
}

func recordKey(taskID string) string { return recordPrefix + taskID }

// Put writes r durably (record and index in one transaction). Writing the
// same task id again replaces the record, so a re-run decision is idempotent.
func (s *Store) Put(ctx context.Context, r Record) error {
	if r.TaskID == "" {
		return errors.New("deadletter: put: record has no task id")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("deadletter: put %s: encode: %w", r.TaskID, err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, recordKey(r.TaskID), b, 0)
		p.ZAdd(ctx, indexKey, redis.Z{Score: float64(r.LastFailure.UnixMilli()), Member: r.TaskID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("deadletter: put %s: %w", r.TaskID, err)
	}
	return nil
}

// Get returns the record of taskID, or ErrNotFound.
func (s *Store) Get(ctx context.Context, taskID string) (Record, error) {
	b, err := s.rdb.Get(ctx, recordKey(taskID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Record{}, fmt.Errorf("deadletter: get %s: %w", taskID, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("deadletter: get %s: %w", taskID, err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("deadletter: get %s: decode: %w", taskID, err)
	}
	return r, nil
}

// Delete removes the record of taskID; deleting a missing record is not an error.
func (s *Store) Delete(ctx context.Context, taskID string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, recordKey(taskID))
		p.ZRem(ctx, indexKey, taskID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("deadletter: delete %s: %w", taskID, err)
	}
	return nil
}

// Count returns how many dead letters are stored.
func (s *Store) Count(ctx context.Context) (int64, error) {
	n, err := s.rdb.ZCard(ctx, indexKey).Result()
	if err != nil {
		return 0, fmt.Errorf("deadletter: count: %w", err)
	}
	return n, nil
}

// List returns up to limit records, newest last failure first (limit <= 0:
// all). It reads in pages so a large store is never loaded in one reply.
func (s *Store) List(ctx context.Context, limit int) ([]Record, error) {
	const page = 500
	var out []Record
	for start := int64(0); ; start += page {
		ids, err := s.rdb.ZRevRange(ctx, indexKey, start, start+page-1).Result()
		if err != nil {
			return nil, fmt.Errorf("deadletter: list: %w", err)
		}
		recs, err := s.getMany(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if limit > 0 && len(out) == limit {
				return out, nil
			}
			out = append(out, r)
		}
		if len(ids) < page {
			return out, nil
		}
	}
}

func (s *Store) getMany(ctx context.Context, ids []string) ([]Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = recordKey(id)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("deadletter: list: %w", err)
	}
	out := make([]Record, 0, len(vals))
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted between the index read and the record read
		}
		var r Record
		if err := json.Unmarshal([]byte(str), &r); err != nil {
			return nil, fmt.Errorf("deadletter: list: decode %s: %w", ids[i], err)
		}
		out = append(out, r)
	}
	return out, nil
}
