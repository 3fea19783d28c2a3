package activity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Minute is every worker's counts for one minute.
type Minute struct {
	// Start is the minute's first second.
	Start time.Time
	// Counts is by queue, then outcome (a dispatcher.Outcome).
	Counts map[string]map[string]int64
}

// Sum adds the counts of the given outcomes in queue ("" = every queue).
func (m Minute) Sum(queue string, outcomes ...string) int64 {
	var n int64
	for q, byOutcome := range m.Counts {
		if queue != "" && q != queue {
			continue
		}
		for _, o := range outcomes {
			n += byOutcome[o]
		}
	}
	return n
}

// MaxMinutes bounds Read's window: a day of minutes in one pipelined call.
const MaxMinutes = 24 * 60

// Read returns the minutes from the one containing from to the one
// containing to, oldest first, with every worker's counts (a minute nobody
// wrote has empty Counts). One pipelined round trip.
func Read(ctx context.Context, rdb redis.UniversalClient, from, to time.Time) ([]Minute, error) {
	first, last := from.Unix()/60, to.Unix()/60
	if last < first {
		return nil, fmt.Errorf("activity: read: to (%s) is before from (%s)", to, from)
	}
	if last-first >= MaxMinutes {
		first = last - MaxMinutes + 1
	}
	cmds := make([]*redis.MapStringStringCmd, 0, last-first+1)
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for m := first; m <= last; m++ {
			cmds = append(cmds, p.HGetAll(ctx, keyPrefix+strconv.FormatInt(m, 10)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("activity: read: %w", err)
	}
	out := make([]Minute, len(cmds))
	for i, c := range cmds {
		out[i] = Minute{Start: time.Unix((first+int64(i))*60, 0), Counts: parse(c.Val())}
	}
	return out, nil
}

// parse reads a minute's hash; a field it cannot read (written by another
// version) is left out rather than failing the whole chart.
func parse(h map[string]string) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for f, v := range h {
		i := strings.LastIndexByte(f, '|')
		n, err := strconv.ParseInt(v, 10, 64)
		if i < 0 || err != nil {
			continue
		}
		q, o := f[:i], f[i+1:]
		if out[q] == nil {
			out[q] = map[string]int64{}
		}
		out[q][o] += n
	}
	return out
}
