package demo

import (
	"fmt"
	"sort"
	"sync"

	"github.com/chatq/chatq/dispatcher"
)

// tally counts the worker's decisions for the demo's progress and report.
type tally struct {
	mu      sync.Mutex
	final   map[string]dispatcher.Outcome // task id -> how it ended
	steps   map[dispatcher.Outcome]int
	byCause map[causeKey]int
	changed chan struct{}
}

type causeKey struct {
	status  string
	rule    string
	outcome dispatcher.Outcome
}

func newTally() *tally {
	return &tally{
		final:   map[string]dispatcher.Outcome{},
		steps:   map[dispatcher.Outcome]int{},
		byCause: map[causeKey]int{},
		changed: make(chan struct{}, 1),
	}
}

// Observe implements dispatcher.Observer.
func (t *tally) Observe(e dispatcher.Event) {
	t.mu.Lock()
	t.steps[e.Outcome]++
	t.byCause[causeKey{statusText(e), e.Rule, e.Outcome}]++
	if e.Outcome.Final() {
		t.final[e.TaskID] = e.Outcome
	}
	t.mu.Unlock()
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

func statusText(e dispatcher.Event) string {
	switch {
	case e.Outcome == dispatcher.OutcomeDelivered:
		return "200"
	case e.Status == 0 && (e.Rule == "invalid-payload" || e.Rule == "throttle"):
		return "-"
	case e.Status == 0:
		return "network"
	case e.Code == "":
		return fmt.Sprint(e.Status)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Code)
}

// settled reports how many of ids have ended.
func (t *tally) settled(ids []string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, id := range ids {
		if _, ok := t.final[id]; ok {
			n++
		}
	}
	return n
}

func (t *tally) progressLine(ids []string) string {
	n := t.settled(ids)
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%3d/%d settled | delivered %d, done %d, dead-lettered %d | retries %d, deferrals %d, token refreshes %d",
		n, len(ids), t.steps[dispatcher.OutcomeDelivered], t.steps[dispatcher.OutcomeDone],
		t.steps[dispatcher.OutcomeDeadLettered], t.steps[dispatcher.OutcomeRetry],
		t.steps[dispatcher.OutcomeDeferred], t.steps[dispatcher.OutcomeRefresh])
}

type causeRow struct {
	causeKey
	count int
}

func (t *tally) rows() []causeRow {
	t.mu.Lock()
	defer t.mu.Unlock()
	rows := make([]causeRow, 0, len(t.byCause))
	for k, n := range t.byCause {
		rows = append(rows, causeRow{k, n})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].status != rows[j].status {
			return rows[i].status < rows[j].status
		}
		return rows[i].rule < rows[j].rule
	})
	return rows
}
