// Package testsignal lets a background loop tell a test that it reached a
// point (a batch checked, a pass done), as river's internal/testsignal
// does, so the test waits on that signal instead of a clock or a poll.
//
// A Signal is inert until a test calls Init: Signal then costs one nil
// check on the production path and never blocks.
package testsignal

import "time"

// Timeout bounds WaitOrTimeout; it is a ceiling for a hung loop, not a
// timing assertion.
const Timeout = 10 * time.Second

// TB is the part of testing.TB a Signal uses; production code need not
// import package testing.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Signal carries values of T from a loop to a test.
type Signal[T any] struct {
	ch chan T
}

// Init arms the signal; call it before the loop starts.
func (s *Signal[T]) Init() { s.ch = make(chan T, 1000) }

// Signal sends v to a test that armed the signal; it never blocks (a test
// that stopped reading loses values, not the loop its progress).
func (s *Signal[T]) Signal(v T) {
	if s.ch == nil {
		return
	}
	select {
	case s.ch <- v:
	default:
	}
}

// WaitOrTimeout returns the next value, failing tb after Timeout.
func (s *Signal[T]) WaitOrTimeout(tb TB) T {
	tb.Helper()
	select {
	case v := <-s.ch:
		return v
	case <-time.After(Timeout):
		tb.Fatalf("testsignal: no signal within %s", Timeout)
	}
	var zero T
	return zero
}
