package deadletter

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// UnknownIDsError reports task ids a Filter names that have no dead letter:
// a typo must not look like "nothing to do" (issue #10). Nothing was read,
// replayed or deleted.
type UnknownIDsError struct {
	// Unknown ids never had a dead letter (or lost it longer ago than
	// tombstones are kept, 91 days).
	Unknown []string
	// Gone ids had one that was replayed or deleted. Replay and Delete
	// report them as skipped-gone instead, so a rerun of an interrupted run
	// finishes it; List, Each and Stats report them here.
	Gone []string
}

// Error names the ids.
func (e *UnknownIDsError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, "no dead letter with id "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Gone) > 0 {
		parts = append(parts, "replayed or deleted: "+strings.Join(e.Gone, ", "))
	}
	return "deadletter: " + strings.Join(parts, "; ")
}

// checkIDs looks up the ids f names, if any: an *UnknownIDsError for the
// ones without a record (and for the gone ones too unless goneOK); gone
// lists the replayed or deleted ones.
func (s *Store) checkIDs(ctx context.Context, f Filter, goneOK bool) (gone []string, err error) {
	var unknown []string
	for start := 0; start < len(f.IDs); start += pageSize {
		ids := f.IDs[start:min(start+pageSize, len(f.IDs))]
		u, g, err := s.lookupIDs(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("look up ids: %w", err)
		}
		unknown, gone = append(unknown, u...), append(gone, g...)
	}
	switch {
	case len(unknown) > 0 && goneOK:
		return nil, &UnknownIDsError{Unknown: unknown}
	case len(unknown) > 0 || len(gone) > 0 && !goneOK:
		return nil, &UnknownIDsError{Unknown: unknown, Gone: gone}
	}
	return gone, nil
}

// lookupIDs sorts ids without a record into unknown and gone (tombstoned,
// whose scores are removal times, never 0), in one round trip.
func (s *Store) lookupIDs(ctx context.Context, ids []string) (unknown, gone []string, err error) {
	exists := make([]*redis.IntCmd, len(ids))
	var tombs *redis.FloatSliceCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			exists[i] = p.Exists(ctx, recordKey(id))
		}
		tombs = p.ZMScore(ctx, tombstoneKey, ids...)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for i, id := range ids {
		switch {
		case exists[i].Val() > 0:
		case tombs.Val()[i] > 0:
			gone = append(gone, id)
		default:
			unknown = append(unknown, id)
		}
	}
	return unknown, gone, nil
}

// goneItems are the Report items of ids replayed or deleted before the run.
func goneItems(ids []string) []Item {
	out := make([]Item, len(ids))
	for i, id := range ids {
		out[i] = Item{TaskID: id, Outcome: OutcomeGone, Why: "replayed or deleted before this run"}
	}
	return out
}
