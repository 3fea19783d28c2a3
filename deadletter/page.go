package deadletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Page is one page of records, newest last failure first.
type Page struct {
	Records []Record
	// Next is the cursor of the following page; "" on the last page.
	Next string
}

// PageOf returns up to n records f selects (n <= 0: 50) that come after the
// cursor (a Page.Next; "" for the first page), newest first. A cursor is
// the last record's failure time and id, so records stored or removed
// meanwhile never shift a page, and reaching page k of 100,000 records
// costs the index pages up to it, not the records before it.
func (s *Store) PageOf(ctx context.Context, f Filter, cursor string, n int) (Page, error) {
	if n <= 0 {
		n = 50
	}
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	f.IDs, f.Limit = nil, 0
	afterMS, afterID, err := parseCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	if cursor != "" {
		// Every record of the cursor's millisecond is read again; those
		// at or above the cursor's id (ties come in reverse id order) were
		// on the earlier page.
		until := time.UnixMilli(afterMS + 1).Add(-time.Nanosecond)
		if f.Until.IsZero() || until.Before(f.Until) {
			f.Until = until
		}
	}
	var out []Record
	err = s.scan(ctx, f, false, func(page []Record) bool {
		for _, r := range page {
			if cursor != "" && r.LastFailure.UnixMilli() == afterMS && r.TaskID >= afterID {
				continue
			}
			out = append(out, r)
			if len(out) > n {
				return false
			}
		}
		return true
	})
	if err != nil {
		return Page{}, fmt.Errorf("deadletter: page: %w", err)
	}
	p := Page{Records: out}
	if len(out) > n {
		p.Records = out[:n]
		last := out[n-1]
		p.Next = strconv.FormatInt(last.LastFailure.UnixMilli(), 10) + ":" + last.TaskID
	}
	return p, nil
}

func parseCursor(c string) (int64, string, error) {
	if c == "" {
		return 0, "", nil
	}
	ms, id, ok := strings.Cut(c, ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", &FilterError{Field: "cursor", Rule: "must be a page cursor as a previous page gave it (<unix ms>:<task id>)"}
	}
	return n, id, nil
}

// ParseWhen reads a time bound as the CLI's --since and --until take it:
// an RFC 3339 time, or a duration ago from now ("24h"); "" is no bound.
func ParseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("must be an RFC 3339 time (2026-01-02T15:04:05Z) or a duration ago (24h), got %q", s)
}
