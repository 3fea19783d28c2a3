package deadletter

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// AuditEntry is one operator action on dead letters, kept in the Redis
// stream AuditKey (capped by Config.AuditMaxLen).
type AuditEntry struct {
	ID     string         `json:"id,omitempty"` // stream entry id, set on read
	Time   time.Time      `json:"time"`
	User   string         `json:"user"`
	Op     string         `json:"op"` // "replay", "delete" or "retention"
	Filter Filter         `json:"filter"`
	Counts map[string]int `json:"counts"`
	// Patch is the JSON merge patch a replay applied, if any.
	Patch json.RawMessage `json:"patch,omitempty"`
	// Failed lists the ids that failed, with the error.
	Failed map[string]string `json:"failed,omitempty"`
}

// PatchEntry records who changed a replayed task's payload, and how; it is
// stored under patchEntryKey(new task id).
type PatchEntry struct {
	NewTaskID  string          `json:"new_task_id"`
	FromTaskID string          `json:"from_task_id"`
	User       string          `json:"user"`
	Time       time.Time       `json:"time"`
	Patch      json.RawMessage `json:"patch"`
	Before     json.RawMessage `json:"before"`
}

// patchTTL is how long a PatchEntry is kept: as long as asynq keeps an
// archived task at most, so it outlives any trace of the task in asynq.
const patchTTL = 90 * 24 * time.Hour

func (s *Store) audit(ctx context.Context, e AuditEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("deadletter: audit: %w", err)
	}
	err = s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: AuditKey, MaxLen: s.auditMax, Approx: true,
		Values: map[string]any{"op": e.Op, "user": e.User, "entry": b},
	}).Err()
	if err != nil {
		return fmt.Errorf("deadletter: audit: %w", err)
	}
	return nil
}

// Audit returns the latest n audit entries, newest first.
func (s *Store) Audit(ctx context.Context, n int64) ([]AuditEntry, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, AuditKey, "+", "-", n).Result()
	if err != nil {
		return nil, fmt.Errorf("deadletter: read audit: %w", err)
	}
	out := make([]AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		var e AuditEntry
		raw, _ := m.Values["entry"].(string)
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("deadletter: read audit %s: %w", m.ID, err)
		}
		e.ID = m.ID
		out = append(out, e)
	}
	return out, nil
}

// PatchOf returns the PatchEntry of a replayed task, or ErrNotFound.
func (s *Store) PatchOf(ctx context.Context, newTaskID string) (PatchEntry, error) {
	b, err := s.rdb.Get(ctx, patchEntryKey(newTaskID)).Bytes()
	if err == redis.Nil {
		return PatchEntry{}, fmt.Errorf("deadletter: patch of %s: %w", newTaskID, ErrNotFound)
	}
	if err != nil {
		return PatchEntry{}, fmt.Errorf("deadletter: patch of %s: %w", newTaskID, err)
	}
	var e PatchEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return PatchEntry{}, fmt.Errorf("deadletter: patch of %s: %w", newTaskID, err)
	}
	return e, nil
}
