package deadletter

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Filter selects dead letters. The zero Filter selects every record; each
// set field narrows the selection (all must match).
type Filter struct {
	// IDs selects these task ids only (other fields still apply).
	IDs   []string
	Type  string // exact task type
	Queue string // exact queue
	// Status is the HTTP status of the last failure: "403", a class "4xx",
	// or "0" for failures without an HTTP answer.
	Status string
	Code   string // exact provider error code
	Rule   string // exact policy rule name
	State  State  // StateOpen or StateResolved; "" = both
	// Since and Until bound the last failure time (inclusive); zero = open.
	Since, Until time.Time
	// Contains is a case-sensitive substring of the payload or of the
	// provider's description or chatq's reason.
	Contains string
	// Limit caps how many records List returns; 0 = no cap. Replay and
	// Delete ignore it (they have Max).
	Limit int
}

// Validate reports a filter field that can never match.
func (f Filter) Validate() error {
	if f.Status != "" && !validStatus(f.Status) {
		return &FilterError{Field: "status", Rule: `must be an HTTP status such as 403, a class such as 4xx, or 0`}
	}
	if f.State != "" && f.State != StateOpen && f.State != StateResolved {
		return &FilterError{Field: "state", Rule: `must be "open" or "resolved"`}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return &FilterError{Field: "until", Rule: "must not be before since"}
	}
	if f.Limit < 0 {
		return &FilterError{Field: "limit", Rule: "must be >= 0"}
	}
	return nil
}

// FilterError names a filter field and the rule it breaks.
type FilterError struct {
	Field string
	Rule  string
}

// Error names the filter field and the rule it breaks.
func (e *FilterError) Error() string { return "deadletter: filter " + e.Field + ": " + e.Rule }

func validStatus(s string) bool {
	if len(s) == 3 && s[0] >= '1' && s[0] <= '5' && s[1:] == "xx" {
		return true
	}
	n, err := strconv.Atoi(s)
	return err == nil && (n == 0 || n >= 100 && n < 600)
}

// Match reports whether r is selected by f (IDs and time bounds included).
func (f Filter) Match(r Record) bool {
	switch {
	case f.Type != "" && r.Type != f.Type,
		f.Queue != "" && r.Queue != f.Queue,
		f.Code != "" && r.Code != f.Code,
		f.Rule != "" && r.Rule != f.Rule,
		f.State != "" && r.State != f.State,
		f.Status != "" && !statusMatches(f.Status, r.Status),
		!f.Since.IsZero() && r.LastFailure.Before(f.Since),
		!f.Until.IsZero() && r.LastFailure.After(f.Until):
		return false
	}
	if f.Contains != "" && !strings.Contains(r.Description, f.Contains) &&
		!strings.Contains(r.Reason, f.Contains) && !bytes.Contains(r.PayloadBytes(), []byte(f.Contains)) {
		return false
	}
	return true
}

func statusMatches(want string, got int) bool {
	if strings.HasSuffix(want, "xx") {
		return got/100 == int(want[0]-'0')
	}
	n, _ := strconv.Atoi(want)
	return n == got
}

// pageSize is how many records one Redis round trip reads while scanning.
const pageSize = 500

// scan calls fn with each page of records selected by f, newest last
// failure first (oldest first when oldestFirst), until fn returns false.
// It pages through the index (by score bounds when Since/Until are set), so
// 100,000 records are never loaded in one reply. With IDs it reads just
// those. Records removed while scanning are skipped, not an error.
func (s *Store) scan(ctx context.Context, f Filter, oldestFirst bool, fn func([]Record) bool) error {
	if len(f.IDs) > 0 {
		return s.scanIDs(ctx, f, fn)
	}
	lo, hi := "-inf", "+inf"
	if !f.Since.IsZero() {
		lo = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	if !f.Until.IsZero() {
		hi = strconv.FormatInt(f.Until.UnixMilli(), 10)
	}
	for offset := int64(0); ; offset += pageSize {
		by := &redis.ZRangeBy{Min: lo, Max: hi, Offset: offset, Count: pageSize}
		var ids []string
		var err error
		if oldestFirst {
			ids, err = s.rdb.ZRangeByScore(ctx, indexKey, by).Result()
		} else {
			ids, err = s.rdb.ZRevRangeByScore(ctx, indexKey, by).Result()
		}
		if err != nil {
			return fmt.Errorf("read index: %w", err)
		}
		if done, err := s.scanPage(ctx, f, ids, fn); done || err != nil {
			return err
		}
		if len(ids) < pageSize {
			return nil
		}
	}
}

func (s *Store) scanIDs(ctx context.Context, f Filter, fn func([]Record) bool) error {
	for start := 0; start < len(f.IDs); start += pageSize {
		ids := f.IDs[start:min(start+pageSize, len(f.IDs))]
		if done, err := s.scanPage(ctx, f, ids, fn); done || err != nil {
			return err
		}
	}
	return nil
}

// scanPage reads ids, keeps the records f matches and hands them to fn;
// done is true when fn asked to stop.
func (s *Store) scanPage(ctx context.Context, f Filter, ids []string, fn func([]Record) bool) (done bool, err error) {
	recs, err := s.getMany(ctx, ids)
	if err != nil {
		return true, err
	}
	kept := recs[:0]
	for _, r := range recs {
		if f.Match(r) {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		return false, nil
	}
	return !fn(kept), nil
}
