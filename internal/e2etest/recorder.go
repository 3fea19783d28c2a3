package e2etest

import (
	"sync"
	"testing"
	"time"

	"github.com/chatq/chatq/dispatcher"
)

// Recorder is a dispatcher.Observer that lets tests wait for outcomes.
type Recorder struct {
	mu     sync.Mutex
	byTask map[string][]dispatcher.Event
	finals int
	signal chan struct{}
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{byTask: map[string][]dispatcher.Event{}, signal: make(chan struct{})}
}

// Observe records e and wakes the waiters.
func (r *Recorder) Observe(e dispatcher.Event) {
	r.mu.Lock()
	r.byTask[e.TaskID] = append(r.byTask[e.TaskID], e)
	if e.Outcome.Final() {
		r.finals++
	}
	close(r.signal)
	r.signal = make(chan struct{})
	r.mu.Unlock()
}

// Events returns a copy of the task's events so far.
func (r *Recorder) Events(id string) []dispatcher.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]dispatcher.Event(nil), r.byTask[id]...)
}

// WaitFinal waits until the task has ended and returns all its events.
func (r *Recorder) WaitFinal(t *testing.T, id string) []dispatcher.Event {
	t.Helper()
	return r.WaitFor(t, id, func(evs []dispatcher.Event) bool {
		return len(evs) > 0 && evs[len(evs)-1].Outcome.Final()
	})
}

// WaitFor waits, with a deadline, until cond holds for the task's events.
func (r *Recorder) WaitFor(t *testing.T, id string, cond func([]dispatcher.Event) bool) []dispatcher.Event {
	t.Helper()
	var evs []dispatcher.Event
	r.wait(t, func() bool {
		evs = r.Events(id)
		return cond(evs)
	}, func() {
		t.Fatalf("task %s: condition not met within %s; events so far: %v", id, WaitTimeout, Outcomes(evs))
	})
	return evs
}

// WaitOtherFinal waits until a task the filter accepts has ended and
// returns its final event.
func (r *Recorder) WaitOtherFinal(t *testing.T, accept func(id string) bool) dispatcher.Event {
	t.Helper()
	var last dispatcher.Event
	r.wait(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for id, evs := range r.byTask {
			if accept(id) && len(evs) > 0 && evs[len(evs)-1].Outcome.Final() {
				last = evs[len(evs)-1]
				return true
			}
		}
		return false
	}, func() { t.Fatalf("no other task ended within %s", WaitTimeout) })
	return last
}

// WaitFinals waits until n final events (ended tasks) were observed.
func (r *Recorder) WaitFinals(t *testing.T, n int) {
	t.Helper()
	var got int
	r.wait(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		got = r.finals
		return got >= n
	}, func() { t.Fatalf("%d of %d tasks ended within %s", got, n, WaitTimeout) })
}

// wait checks cond after every event until it holds or WaitTimeout
// passes (then it calls fail). cond takes the lock itself, so a caller's
// condition never runs under it.
func (r *Recorder) wait(t *testing.T, cond func() bool, fail func()) {
	t.Helper()
	deadline := time.After(WaitTimeout)
	for {
		r.mu.Lock()
		sig := r.signal // taken before cond: no event is missed in between
		r.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-sig:
		case <-deadline:
			fail()
			return
		}
	}
}

// Outcomes lists the events' outcomes.
func Outcomes(evs []dispatcher.Event) []dispatcher.Outcome {
	out := make([]dispatcher.Outcome, len(evs))
	for i, e := range evs {
		out[i] = e.Outcome
	}
	return out
}
