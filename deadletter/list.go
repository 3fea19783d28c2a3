package deadletter

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
)

// List returns the records f selects, newest last failure first, up to
// f.Limit (0: all). Ids in f without a record are an *UnknownIDsError. It pages through Redis, so listing 100,000 records costs
// 200 round trips of 500 records each, not one huge reply.
func (s *Store) List(ctx context.Context, f Filter) ([]Record, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.checkIDs(ctx, f, false); err != nil {
		return nil, err
	}
	var out []Record
	err := s.scan(ctx, f, false, func(page []Record) bool {
		for _, r := range page {
			if f.Limit > 0 && len(out) == f.Limit {
				return false
			}
			out = append(out, r)
		}
		return f.Limit == 0 || len(out) < f.Limit
	})
	if err != nil {
		return nil, fmt.Errorf("deadletter: list: %w", err)
	}
	return out, nil
}

// Each calls fn for every record f selects, newest first, without holding
// them all in memory; fn returns false to stop. f.Limit is ignored. Ids in
// f without a record are an *UnknownIDsError.
func (s *Store) Each(ctx context.Context, f Filter, fn func(Record) bool) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if _, err := s.checkIDs(ctx, f, false); err != nil {
		return err
	}
	err := s.scan(ctx, f, false, func(page []Record) bool {
		for _, r := range page {
			if !fn(r) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("deadletter: each: %w", err)
	}
	return nil
}

// Stats are exact counts of the records a filter selects, grouped four ways.
type Stats struct {
	Total   int     `json:"total"`
	ByState []Count `json:"by_state"`
	// ByStatusCode groups by "403 forbidden_op" (status, then code).
	ByStatusCode []Count `json:"by_status_code"`
	ByRule       []Count `json:"by_rule"`
	ByType       []Count `json:"by_type"`
}

// Count is one group of Stats, largest first.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Stats counts the records f selects (f.Limit is ignored).
func (s *Store) Stats(ctx context.Context, f Filter) (Stats, error) {
	f.Limit = 0
	groups := [4]map[string]int{{}, {}, {}, {}}
	var st Stats
	err := s.Each(ctx, f, func(r Record) bool {
		st.Total++
		groups[0][string(r.State)]++
		groups[1][StatusCode(r)]++
		groups[2][r.Rule]++
		groups[3][r.Type]++
		return true
	})
	if err != nil {
		return Stats{}, fmt.Errorf("deadletter: stats: %w", err)
	}
	st.ByState, st.ByStatusCode, st.ByRule, st.ByType = sorted(groups[0]), sorted(groups[1]), sorted(groups[2]), sorted(groups[3])
	return st, nil
}

// StatusCode renders a record's provider answer: "403 forbidden_op", "503",
// or "-" when there was no HTTP answer and no code.
func StatusCode(r Record) string {
	s := ""
	if r.Status != 0 {
		s = strconv.Itoa(r.Status)
	}
	switch {
	case s != "" && r.Code != "":
		return s + " " + r.Code
	case s != "":
		return s
	case r.Code != "":
		return r.Code
	}
	return "-"
}

func sorted(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(-cmp.Compare(a.Count, b.Count), cmp.Compare(a.Key, b.Key)) })
	return out
}
